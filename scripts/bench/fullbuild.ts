/**
 * `npm run bench:fullbuild [-- --docs 1000000 --partitions 4]`: generate deterministic ha3 documents,
 * run `bsctl run full-build` with the local runner into 4 partitions, and print wall seconds, docs/s,
 * MB/s, peak RSS and index size; then the same at 1/4 of the documents to show RSS does not grow.
 * With `--hdfs`, the documents and the index live on HDFS (a running one from BSCTL_NAMENODE, else a
 * private scripts/hdfs instance) and the ratio HDFS/local is printed too.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { JobReport } from '../../framework/runner/driver.ts';
import { copyFile } from '../../framework/fs/copy.ts';
import { fileSystemFor } from '../../framework/fs/resolve.ts';
import { writeHa3Docs } from './ha3-docs.ts';
import { mib, machineLine, timed } from './measure.ts';

const { values } = parseArgs({
  options: {
    docs: { type: 'string', default: '1000000' },
    partitions: { type: 'string', default: '4' },
    keep: { type: 'boolean', default: false },
    hdfs: { type: 'boolean', default: false },
  },
});
const BSCTL = fileURLToPath(new URL('../../bin/bsctl.js', import.meta.url));
const SCHEMA = fileURLToPath(new URL('../../fixtures/in1/schema.json', import.meta.url));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bsctl-bench-fb-'));

interface Run {
  readonly report: JobReport;
  readonly seconds: number;
}

/** Bytes under a path on any FileSystem. */
async function size(p: string): Promise<number> {
  const fsys = fileSystemFor(p);
  const st = await fsys.stat(p);
  if (!st?.isDirectory) return st?.length ?? 0;
  let n = 0;
  for (const e of await fsys.list(p)) n += await size(e.path);
  return n;
}

async function run(docs: number, onHdfs = false): Promise<Run> {
  const generated = path.join(dir, `docs-${docs}.ha3`);
  process.stdout.write(`generating ${docs} documents ... `);
  const bytes = writeHa3Docs(generated, docs);
  console.log(`${mib(bytes)}`);
  const data = onHdfs ? `hdfs:///bsctl-bench/docs-${docs}.ha3` : generated;
  if (onHdfs) {
    await fileSystemFor(data).delete('hdfs:///bsctl-bench');
    await copyFile(generated, data);
  }
  const root = onHdfs ? 'hdfs:///bsctl-bench/index' : path.join(dir, `index-${docs}`);
  const reportFile = path.join(dir, `report-${docs}.json`);
  const r = await timed(process.execPath, [
    BSCTL, 'run', 'full-build', '--table', 'bench', '--schema', SCHEMA, '--data', data,
    '--partitions', values.partitions!, '--index-root', root, '--report-json', reportFile,
  ]);
  if (r.code !== 0) throw new Error(`full-build failed (${r.code}):\n${r.stderr}`);
  const report = JSON.parse(fs.readFileSync(reportFile, 'utf8')) as JobReport;
  const indexed = report.counters['full-build']?.['Documents indexed'] ?? 0;
  if (indexed !== docs) throw new Error(`indexed ${indexed} documents, expected ${docs}`);
  const where = onHdfs ? 'on HDFS' : 'on local disk';
  console.log(`  full-build ${docs} docs ${where} -> ${values.partitions} partitions: ${r.seconds.toFixed(2)} s wall, ${Math.round(docs / r.seconds)} docs/s, ${(bytes / 1024 / 1024 / r.seconds).toFixed(1)} MB/s`);
  console.log(`  peak RSS: largest task process ${mib(report.maxTaskRss)}, driver ${mib(report.driverRss)}; index size ${mib(await size(root))}`);
  fs.rmSync(generated);
  if (onHdfs) await fileSystemFor(data).delete('hdfs:///bsctl-bench');
  return { report, seconds: r.seconds };
}

/** A running HDFS (BSCTL_NAMENODE), or a private scripts/hdfs instance started for the benchmark. */
async function ensureHdfs(): Promise<() => Promise<void>> {
  if (process.env.BSCTL_NAMENODE) return async () => {};
  const script = fileURLToPath(new URL('../hdfs', import.meta.url));
  const env = { ...process.env, BSCTL_HDFS_DIR: path.join(dir, 'hdfs'), BSCTL_HDFS_PORT_BASE: '49000' };
  const started = await timed(script, ['start'], env);
  if (started.code !== 0) throw new Error(`scripts/hdfs start failed:\n${started.stderr}`);
  for (const m of (await timed(script, ['env'], env)).stdout.matchAll(/export (\w+)=(\S+)/g)) process.env[m[1]!] = m[2]!;
  return async () => {
    await timed(script, ['stop'], env);
  };
}

try {
  console.log(machineLine());
  const docs = Number(values.docs);
  const big = await run(docs);
  const small = await run(Math.round(docs / 4));
  const rss = (r: JobReport): number => Math.max(r.maxTaskRss, r.driverRss);
  console.log(`peak RSS of the largest process: ${mib(rss(small.report))} at ${Math.round(docs / 4)} docs, ${mib(rss(big.report))} at ${docs} docs (4x input: ${(rss(big.report) / rss(small.report)).toFixed(2)}x RSS)`);
  if (values.hdfs) {
    const stop = await ensureHdfs();
    try {
      const remote = await run(docs, true);
      console.log(`HDFS/local wall-time ratio: ${(remote.seconds / big.seconds).toFixed(2)}`);
    } finally {
      await stop();
    }
  }
} finally {
  if (!values.keep) fs.rmSync(dir, { recursive: true, force: true });
}
