/**
 * `npm run bench:wordcount [-- --size-mb 512 --workers N]`: generate a deterministic Zipf text
 * (50k-word vocabulary), run word-count with the local runner, check the result against the
 * generator's own count, time the GNU pipeline `LC_ALL=C tr -s ' ' '\n' | sort | uniq -c` on the same
 * file, and print wall seconds, MB/s and peak RSS; then the same at 1/4 of the size to show peak RSS
 * does not grow with the input. With `--vs-hadoop`, Hadoop's own WordCount (hadoop-mapreduce-examples,
 * local job runner, 2 map slots like bsctl's 2 workers) runs on the same file too; both results must agree.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { JobReport } from '../../framework/runner/driver.ts';
import { mib, machineLine, timed } from './measure.ts';
import { writeZipfText } from './zipf-text.ts';

const { values } = parseArgs({
  options: {
    'size-mb': { type: 'string', default: '512' },
    workers: { type: 'string' },
    'skip-gnu': { type: 'boolean', default: false },
    'vs-hadoop': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
  },
});
const BSCTL = fileURLToPath(new URL('../../bin/bsctl.js', import.meta.url));
const sizeMb = Number(values['size-mb']);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bsctl-bench-wc-'));

function readCounts(out: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const f of fs.readdirSync(out).filter((n) => n.startsWith('part-'))) {
    for (const line of fs.readFileSync(path.join(out, f), 'utf8').split('\n')) {
      if (!line) continue;
      const tab = line.indexOf('\t');
      m.set(line.slice(0, tab), Number(line.slice(tab + 1)));
    }
  }
  return m;
}

async function run(mb: number): Promise<{ report: JobReport; seconds: number; bytes: number; file: string }> {
  const file = path.join(dir, `zipf-${mb}m.txt`);
  process.stdout.write(`generating ${mb} MiB of Zipf text ... `);
  const expected = writeZipfText(file, mb * 1024 * 1024);
  const bytes = fs.statSync(file).size;
  console.log(`${bytes} bytes, ${expected.size} distinct words`);
  const out = path.join(dir, `out-${mb}`);
  const reportFile = path.join(dir, `report-${mb}.json`);
  const args = [BSCTL, 'run', 'word-count', '--input', file, '--output', out, '--report-json', reportFile];
  if (values.workers) args.push('--workers', values.workers);
  const r = await timed(process.execPath, args);
  if (r.code !== 0) throw new Error(`bsctl failed (${r.code}):\n${r.stderr}`);
  const report = JSON.parse(fs.readFileSync(reportFile, 'utf8')) as JobReport;
  const got = readCounts(out);
  let mismatches = 0;
  for (const [w, c] of expected) if (got.get(w) !== c) mismatches++;
  if (mismatches > 0 || got.size !== expected.size) throw new Error(`word-count result differs from the independent count: ${mismatches} words differ, ${got.size} vs ${expected.size} distinct`);
  console.log(`  bsctl word-count: ${r.seconds.toFixed(2)} s wall, ${(bytes / 1024 / 1024 / r.seconds).toFixed(1)} MB/s, result exact (${got.size} words)`);
  console.log(`  peak RSS: largest task process ${mib(report.maxTaskRss)}, driver ${mib(report.driverRss)}`);
  return { report, seconds: r.seconds, bytes, file };
}

/** Hadoop's WordCount on the same file (local job runner); its output must equal bsctl's. */
async function vsHadoop(file: string, bsctlSeconds: number, work: string): Promise<void> {
  const hdfs = fileURLToPath(new URL('../hdfs', import.meta.url));
  const cp = (await timed(hdfs, ['classpath'])).stdout.trim().split('\n').pop()!;
  const out = path.join(work, 'hadoop-out');
  const r = await timed('java', [
    '-Xmx2g', '-cp', cp, 'org.apache.hadoop.examples.WordCount',
    '-D', 'mapreduce.framework.name=local', '-D', 'mapreduce.local.map.tasks.maximum=2', '-D', 'mapreduce.job.reduces=2',
    '-D', 'mapreduce.local.reduce.tasks.maximum=2', '-D', `mapreduce.input.fileinputformat.split.maxsize=${64 * 1024 * 1024}`,
    `file://${file}`, `file://${out}`,
  ]);
  if (r.code !== 0) throw new Error(`Hadoop WordCount failed (${r.code}):\n${r.stderr.slice(-2000)}`);
  const hadoop = readCounts(out);
  const ours = readCounts(path.join(work, `out-${sizeMb}`));
  let differ = hadoop.size !== ours.size ? 1 : 0;
  for (const [w, c] of ours) if (hadoop.get(w) !== c) differ++;
  if (differ) throw new Error(`Hadoop's and bsctl's word counts differ (${differ} words)`);
  console.log(`  Hadoop ${fs.readdirSync(path.dirname(cp.split(':')[1]!)).find((n) => n.startsWith('hadoop-common'))?.replace(/\.jar$/, '')} WordCount (local runner, 2 map slots): ${r.seconds.toFixed(2)} s, same result; bsctl is ${(r.seconds / bsctlSeconds).toFixed(1)}x faster`);
}

try {
  console.log(machineLine());
  const big = await run(sizeMb);
  if (!values['skip-gnu']) {
    const gnu = await timed('bash', ['-c', `LC_ALL=C tr -s ' ' '\\n' < '${big.file}' | LC_ALL=C sort | uniq -c > '${dir}/gnu.txt'`]);
    if (gnu.code !== 0) throw new Error(`GNU pipeline failed: ${gnu.stderr}`);
    const gnuWords = fs.readFileSync(`${dir}/gnu.txt`, 'utf8').split('\n').filter(Boolean).length;
    console.log(`  GNU tr | sort | uniq -c: ${gnu.seconds.toFixed(2)} s (${gnuWords} lines); bsctl is ${(gnu.seconds / big.seconds).toFixed(1)}x faster`);
  }
  if (values['vs-hadoop']) await vsHadoop(big.file, big.seconds, dir);
  fs.rmSync(big.file);
  const small = await run(sizeMb / 4);
  const bigRss = Math.max(big.report.maxTaskRss, big.report.driverRss);
  const smallRss = Math.max(small.report.maxTaskRss, small.report.driverRss);
  console.log(
    `peak RSS of the largest process: ${mib(smallRss)} at ${sizeMb / 4} MiB input, ${mib(bigRss)} at ${sizeMb} MiB input (4x input: ${(bigRss / smallRss).toFixed(2)}x RSS)`,
  );
} finally {
  if (!values.keep) fs.rmSync(dir, { recursive: true, force: true });
}
