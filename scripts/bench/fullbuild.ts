/**
 * `npm run bench:fullbuild [-- --docs 1000000 --partitions 4]`: generate deterministic ha3 documents,
 * run `bsctl run full-build` with the local runner into 4 partitions, and print wall seconds, docs/s,
 * MB/s, peak RSS and index size; then the same at 1/4 of the documents to show RSS does not grow.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { JobReport } from '../../framework/runner/driver.ts';
import { writeHa3Docs } from './ha3-docs.ts';
import { mib, timed } from './measure.ts';

const { values } = parseArgs({
  options: { docs: { type: 'string', default: '1000000' }, partitions: { type: 'string', default: '4' }, keep: { type: 'boolean', default: false } },
});
const BSCTL = fileURLToPath(new URL('../../bin/bsctl.js', import.meta.url));
const SCHEMA = fileURLToPath(new URL('../../fixtures/in1/schema.json', import.meta.url));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bsctl-bench-fb-'));

function du(p: string): number {
  const st = fs.statSync(p);
  if (!st.isDirectory()) return st.size;
  return fs.readdirSync(p).reduce((n, e) => n + du(path.join(p, e)), 0);
}

async function run(docs: number): Promise<JobReport> {
  const data = path.join(dir, `docs-${docs}.ha3`);
  process.stdout.write(`generating ${docs} documents ... `);
  const bytes = writeHa3Docs(data, docs);
  console.log(`${mib(bytes)}`);
  const root = path.join(dir, `index-${docs}`);
  const reportFile = path.join(dir, `report-${docs}.json`);
  const r = await timed(process.execPath, [
    BSCTL, 'run', 'full-build', '--table', 'bench', '--schema', SCHEMA, '--data', data,
    '--partitions', values.partitions!, '--index-root', root, '--report-json', reportFile,
  ]);
  if (r.code !== 0) throw new Error(`full-build failed (${r.code}):\n${r.stderr}`);
  const report = JSON.parse(fs.readFileSync(reportFile, 'utf8')) as JobReport;
  const indexed = report.counters['full-build']?.['Documents indexed'] ?? 0;
  if (indexed !== docs) throw new Error(`indexed ${indexed} documents, expected ${docs}`);
  console.log(`  full-build ${docs} docs -> ${values.partitions} partitions: ${r.seconds.toFixed(2)} s wall, ${Math.round(docs / r.seconds)} docs/s, ${(bytes / 1024 / 1024 / r.seconds).toFixed(1)} MB/s`);
  console.log(`  peak RSS: largest task process ${mib(report.maxTaskRss)}, driver ${mib(report.driverRss)}; index size ${mib(du(root))}`);
  fs.rmSync(data);
  return report;
}

try {
  console.log(`machine: ${os.cpus().length} cores, ${mib(os.totalmem())} RAM, node ${process.version}`);
  const docs = Number(values.docs);
  const big = await run(docs);
  const small = await run(Math.round(docs / 4));
  const rss = (r: JobReport): number => Math.max(r.maxTaskRss, r.driverRss);
  console.log(`peak RSS of the largest process: ${mib(rss(small))} at ${Math.round(docs / 4)} docs, ${mib(rss(big))} at ${docs} docs (4x input: ${(rss(big) / rss(small)).toFixed(2)}x RSS)`);
} finally {
  if (!values.keep) fs.rmSync(dir, { recursive: true, force: true });
}
