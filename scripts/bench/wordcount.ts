/**
 * `npm run bench:wordcount [-- --size-mb 512 --workers N]`: generate a deterministic Zipf text
 * (50k-word vocabulary), run word-count with the local runner, check the result against the
 * generator's own count, time the GNU pipeline `LC_ALL=C tr -s ' ' '\n' | sort | uniq -c` on the same
 * file, and print wall seconds, MB/s and peak RSS (the largest process, and all of bsctl's processes
 * together); then the same at 1/4 of the size to show peak RSS does not grow with the input. With
 * `--vs-hadoop`, Hadoop's own WordCount (hadoop-mapreduce-examples, local job runner, 2 map slots like
 * bsctl's 2 workers) runs on the same file too; both results must agree. With `--vs-duckdb`, DuckDB
 * (@duckdb/node-api, `SET threads = 2`, in its own process: scripts/bench/duckdb-wordcount.ts) counts
 * the words of the same file at both sizes with the same tokenisation; its wall (start-up included), MB/s,
 * peak RSS, whether its result equals the generator's count, and bsctl's wall / DuckDB's wall (target:
 * at most 2.5x) are printed, and the exit status is non-zero if DuckDB's result is not exact.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { JobReport } from '../../framework/runner/driver.ts';
import { mib, machineLine, timed } from './measure.ts';
import { countDifference as difference, readCounts, writeZipfText } from './zipf-text.ts';

const { values } = parseArgs({
  options: {
    'size-mb': { type: 'string', default: '512' },
    workers: { type: 'string' },
    'skip-gnu': { type: 'boolean', default: false },
    'vs-hadoop': { type: 'boolean', default: false },
    'vs-duckdb': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
  },
});
const BSCTL = fileURLToPath(new URL('../../bin/bsctl.js', import.meta.url));
const DUCKDB_WC = fileURLToPath(new URL('./duckdb-wordcount.ts', import.meta.url));
const DUCKDB_THREADS = 2;
const sizeMb = Number(values['size-mb']);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bsctl-bench-wc-'));


const mbps = (bytes: number, seconds: number): string => `${(bytes / 1024 / 1024 / seconds).toFixed(1)} MB/s`;

interface DuckDbRun {
  readonly seconds: number;
  readonly treeRss: number;
  readonly exact: boolean;
}

interface SizeRun {
  readonly report: JobReport;
  readonly seconds: number;
  /** Peak summed RSS of the bsctl driver and all its workers. */
  readonly treeRss: number;
  readonly bytes: number;
  readonly file: string;
  readonly duckdb?: DuckDbRun;
}

/** DuckDB's word count on `file` (its own process, DUCKDB_THREADS threads), checked against `expected`. */
async function duckdb(file: string, bytes: number, expected: ReadonlyMap<string, number>, bsctlSeconds: number, out: string): Promise<DuckDbRun> {
  const r = await timed(process.execPath, ['--import', 'tsx', DUCKDB_WC, file, out, String(DUCKDB_THREADS)]);
  if (r.code !== 0) throw new Error(`DuckDB word count failed (${r.code}):\n${r.stderr.slice(-2000)}`);
  const info = JSON.parse(r.stdout.trim().split('\n').pop()!) as { version: string; threads: number; querySeconds: number };
  const got = readCounts(out);
  const diff = difference(expected, got);
  console.log(
    `  DuckDB ${info.version} (${info.threads} threads): ${r.seconds.toFixed(2)} s wall (query ${info.querySeconds.toFixed(2)} s), ${mbps(bytes, r.seconds)}, ` +
      `peak RSS ${mib(r.treeRss)}, ${diff ? `result NOT exact: ${diff}` : `result exact (${got.size} words)`}`,
  );
  console.log(`  bsctl wall / DuckDB wall: ${(bsctlSeconds / r.seconds).toFixed(2)}x (target <= 2.5x)`);
  fs.rmSync(out, { recursive: true, force: true });
  return { seconds: r.seconds, treeRss: r.treeRss, exact: diff === undefined };
}

async function run(mb: number): Promise<SizeRun> {
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
  const diff = difference(expected, got);
  if (diff) throw new Error(`word-count result differs from the independent count: ${diff}`);
  console.log(`  bsctl word-count: ${r.seconds.toFixed(2)} s wall, ${mbps(bytes, r.seconds)}, result exact (${got.size} words)`);
  console.log(`  peak RSS: largest task process ${mib(report.maxTaskRss)}, driver ${mib(report.driverRss)}, all bsctl processes together ${mib(r.treeRss)}`);
  const ddb = values['vs-duckdb'] ? await duckdb(file, bytes, expected, r.seconds, path.join(dir, `duckdb-out-${mb}`)) : undefined;
  return { report, seconds: r.seconds, treeRss: r.treeRss, bytes, file, ...(ddb ? { duckdb: ddb } : {}) };
}

/** One line of the end summary: peak RSS at the 1/4 and the full size, and their ratio. */
function growth(what: string, small: number, big: number): string {
  return `${what}: ${mib(small)} at ${sizeMb / 4} MiB input, ${mib(big)} at ${sizeMb} MiB input (4x input: ${(big / small).toFixed(2)}x RSS)`;
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
  console.log(growth('peak RSS of the largest process', smallRss, bigRss));
  console.log(growth('peak RSS of all bsctl processes', small.treeRss, big.treeRss));
  if (big.duckdb && small.duckdb) {
    console.log(growth('peak RSS of DuckDB', small.duckdb.treeRss, big.duckdb.treeRss));
    if (!big.duckdb.exact || !small.duckdb.exact) {
      console.error("DuckDB's result differs from the generator's count: the comparison is not valid");
      process.exitCode = 1;
    }
  }
} finally {
  if (!values.keep) fs.rmSync(dir, { recursive: true, force: true });
}
