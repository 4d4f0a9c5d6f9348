/**
 * `npm run bench:fullbuild [-- --docs 1000000 --partitions 4]`: generate deterministic ha3 documents,
 * run `bsctl run full-build` with the local runner into 4 partitions, and print wall seconds, docs/s,
 * MB/s, peak RSS and index size; then the same at 1/4 of the documents to show RSS does not grow.
 * The summary is compressed as `--summary-compress zlib|lz4|none` says (default zlib: Havenask's
 * `compress: true`), in a copy of fixtures/in1/schema.json.
 * With `--hdfs`, the documents and the index live on HDFS (a running one from BSCTL_NAMENODE, else a
 * private scripts/hdfs instance) and the ratio HDFS/local is printed too, against the mean of the local
 * build before it and another right after it.
 * With `--vs-lucene`, Apache Lucene 9.12.3 (scripts/lucene: our own small indexer, built with Maven and javac
 * into a cache dir on first use) indexes the very same generated file into as many indexes, one IndexWriter
 * each (document to index `id mod N`), with as many indexing threads as bsctl has workers: the equivalent of
 * the in1 schema (simple_analyzer terms for title, subject and default with frequencies, no positions, no
 * norms; tag and id whole; doc values for the attributes; every field stored). It prints for both the wall
 * seconds, docs/s, the peak RSS of the whole process tree and the index bytes, the ratios bsctl/Lucene, and
 * per inverted index the distinct terms and postings of each, which must agree, as must the document counts.
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
import { bsctlTermStats } from './index-terms.ts';
import { LUCENE_JVM_FLAGS, luceneFullBuild, luceneIndexStats } from './lucene.ts';
import { mib, machineLine, timed } from './measure.ts';

const { values } = parseArgs({
  options: {
    docs: { type: 'string', default: '1000000' },
    partitions: { type: 'string', default: '4' },
    keep: { type: 'boolean', default: false },
    hdfs: { type: 'boolean', default: false },
    'vs-lucene': { type: 'boolean', default: false },
    'summary-compress': { type: 'string', default: 'zlib' },
  },
});
const BSCTL = fileURLToPath(new URL('../../bin/bsctl.js', import.meta.url));
const IN1_SCHEMA = fileURLToPath(new URL('../../fixtures/in1/schema.json', import.meta.url));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bsctl-bench-fb-'));

/**
 * in1's schema with the summary compressed as `--summary-compress` says: zlib (the default, what
 * Havenask's `compress: true` means), lz4, or none (in1 as it is).
 */
function benchSchema(codec: string): string {
  if (codec === 'none') return IN1_SCHEMA;
  if (codec !== 'zlib' && codec !== 'lz4') throw new Error(`--summary-compress: zlib, lz4 or none (got ${codec})`);
  const json = JSON.parse(fs.readFileSync(IN1_SCHEMA, 'utf8')) as { indexes: { index_type: string; index_config: Record<string, unknown> }[] };
  for (const i of json.indexes) if (i.index_type === 'SUMMARY') Object.assign(i.index_config, { compress: true, compress_type: codec });
  const file = path.join(dir, `schema-${codec}.json`);
  fs.writeFileSync(file, JSON.stringify(json, null, 2));
  return file;
}
const SCHEMA = benchSchema(values['summary-compress']!);

/** Bytes of one kind of index file over every partition of a generation: summary, attribute, index/<name>. */
function partBytes(generation: string, part: string): number {
  let n = 0;
  const walk = (p: string): void => {
    const st = fs.statSync(p, { throwIfNoEntry: false });
    if (!st) return;
    if (st.isDirectory()) for (const e of fs.readdirSync(p)) walk(path.join(p, e));
    else n += st.size;
  };
  for (const partition of fs.readdirSync(generation).filter((e) => e.startsWith('partition_'))) walk(path.join(generation, partition, 'segment_0_level_0', part));
  return n;
}

interface Run {
  readonly report: JobReport;
  readonly seconds: number;
  /** Sampled peak of the summed RSS of bsctl's whole process tree (driver and workers), bytes. */
  readonly treeRss: number;
  readonly indexBytes: number;
  /** The generated ha3 file (removed unless run() was asked to keep it). */
  readonly data: string;
  readonly root: string;
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

let runs = 0;

async function run(docs: number, onHdfs = false, keepData = false): Promise<Run> {
  const generated = path.join(dir, `docs-${docs}.ha3`);
  process.stdout.write(`generating ${docs} documents ... `);
  const bytes = writeHa3Docs(generated, docs);
  console.log(`${mib(bytes)}`);
  const data = onHdfs ? `hdfs:///bsctl-bench/docs-${docs}.ha3` : generated;
  if (onHdfs) {
    await fileSystemFor(data).delete('hdfs:///bsctl-bench');
    await copyFile(generated, data);
    // A DataNode in service is not freshly started: one untimed read of the file warms its JVM (the
    // local run reads a file the page cache holds, as this read leaves the DataNode's block files).
    const warm = Date.now();
    for await (const _ of fileSystemFor(data).openRead(data)) void _;
    console.log(`  uploaded to ${data}; DataNode warmed by one untimed read (${((Date.now() - warm) / 1000).toFixed(1)} s)`);
  }
  const root = onHdfs ? 'hdfs:///bsctl-bench/index' : path.join(dir, `index-${docs}-${++runs}`);
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
  const indexBytes = await size(root);
  console.log(`  peak RSS: largest task process ${mib(report.maxTaskRss)}, driver ${mib(report.driverRss)}, all bsctl processes together ${mib(r.treeRss)}; index size ${mib(indexBytes)}`);
  if (!onHdfs) {
    const gen = path.join(root, 'bench', 'generation_0');
    const parts = ['summary', 'index/default', 'index/title', 'index/subject', 'index/tag', 'index/id', 'attribute'];
    console.log(`  index bytes by part: ${parts.map((p) => `${p} ${mib(partBytes(gen, p))}`).join(', ')}`);
  }
  if (!keepData) fs.rmSync(generated);
  if (onHdfs) await fileSystemFor(data).delete('hdfs:///bsctl-bench');
  return { report, seconds: r.seconds, treeRss: r.treeRss, indexBytes, data: generated, root };
}

/** Lucene on the same file as the bsctl run `ours`; document counts and the terms of every inverted index must agree. */
async function vsLucene(ours: Run, docs: number): Promise<void> {
  const partitions = Number(values.partitions);
  const threads = os.availableParallelism();
  const out = path.join(dir, `lucene-${docs}`);
  const lucene = await luceneFullBuild(ours.data, out, { partitions, threads, ramBufferMb: 64 });
  const indexed = ours.report.counters['full-build']?.['Documents indexed'] ?? 0;
  if (lucene.docs !== indexed) throw new Error(`Lucene indexed ${lucene.docs} documents, bsctl ${indexed} (Documents indexed)`);
  const fields = ['default', 'title', 'subject', 'tag'];
  const stats = await luceneIndexStats(out, partitions, fields);
  if (stats.numDocs !== indexed) throw new Error(`the Lucene indexes hold ${stats.numDocs} documents, bsctl indexed ${indexed}`);
  const bsctlTerms = bsctlTermStats(path.join(ours.root, 'bench'), fields);
  console.log(`  Lucene ${lucene.version}: ${lucene.jvm}; JVM flags ${LUCENE_JVM_FLAGS.join(' ')}`);
  console.log(`  Lucene on the same file: ${partitions} IndexWriters (id mod ${partitions}), ${threads} indexing threads, RAM buffer 64 MB each, default codec, updateDocument on id, commit, no forceMerge; segments per index ${stats.segments.join(' ')}`);
  const row = (name: string, seconds: number, rss: number, bytes: number): string =>
    `    ${name.padEnd(6)} ${seconds.toFixed(2).padStart(8)} s wall ${String(Math.round(docs / seconds)).padStart(8)} docs/s   peak RSS (process tree) ${mib(rss).padStart(11)}   index ${mib(bytes).padStart(11)} (${bytes} bytes)`;
  console.log(row('bsctl', ours.seconds, ours.treeRss, ours.indexBytes));
  console.log(row('Lucene', lucene.seconds, lucene.treeRss, lucene.indexBytes));
  console.log(`    bsctl/Lucene: wall ${(ours.seconds / lucene.seconds).toFixed(2)}x, index bytes ${(ours.indexBytes / lucene.indexBytes).toFixed(2)}x, peak RSS ${(ours.treeRss / lucene.treeRss).toFixed(2)}x; both ${indexed} documents`);
  for (const f of fields) {
    const b = bsctlTerms.get(f);
    const l = stats.terms.get(f);
    console.log(`    index ${f.padEnd(8)} distinct terms bsctl ${b?.distinct} / Lucene ${l?.distinct}, postings (sum of docFreq) bsctl ${b?.sumDocFreq} / Lucene ${l?.sumDocFreq}`);
    if (b?.distinct !== l?.distinct || b?.sumDocFreq !== l?.sumDocFreq) throw new Error(`index ${f}: bsctl's and Lucene's terms differ`);
  }
  fs.rmSync(out, { recursive: true, force: true });
}

/** A running HDFS (BSCTL_NAMENODE), or a private scripts/hdfs instance started for the benchmark. */
async function ensureHdfs(): Promise<() => Promise<void>> {
  if (process.env.BSCTL_NAMENODE) return async () => {};
  const script = fileURLToPath(new URL('../hdfs', import.meta.url));
  const env = { ...process.env, BSCTL_HDFS_DIR: path.join(dir, 'hdfs'), BSCTL_HDFS_PORT_BASE: '31000' };
  const started = await timed(script, ['start'], env);
  if (started.code !== 0) throw new Error(`scripts/hdfs start failed:\n${started.stderr}`);
  for (const m of (await timed(script, ['env'], env)).stdout.matchAll(/export (\w+)=(\S+)/g)) process.env[m[1]!] = m[2]!;
  return async () => {
    await timed(script, ['stop'], env);
  };
}

try {
  console.log(machineLine());
  console.log(`schema: fixtures/in1/schema.json, summary compression ${values['summary-compress']}${values['summary-compress'] === 'zlib' ? " (the schema's compress: true, Havenask's default; --summary-compress lz4|none)" : ''}`);
  const docs = Number(values.docs);
  const big = await run(docs, false, values['vs-lucene']);
  if (values['vs-lucene']) {
    await vsLucene(big, docs);
    fs.rmSync(big.data);
  }
  const small = await run(Math.round(docs / 4));
  const rss = (r: JobReport): number => Math.max(r.maxTaskRss, r.driverRss);
  console.log(`peak RSS of the largest process: ${mib(rss(small.report))} at ${Math.round(docs / 4)} docs, ${mib(rss(big.report))} at ${docs} docs (4x input: ${(rss(big.report) / rss(small.report)).toFixed(2)}x RSS)`);
  if (values.hdfs) {
    const stop = await ensureHdfs();
    try {
      const remote = await run(docs, true);
      // The machine's speed drifts over minutes (a shared VM): the HDFS run is set against the mean of
      // the local run before it and one right after it.
      const again = await run(docs);
      const localMean = (big.seconds + again.seconds) / 2;
      console.log(`HDFS/local wall-time ratio: ${(remote.seconds / localMean).toFixed(2)} (HDFS ${remote.seconds.toFixed(2)} s; local ${big.seconds.toFixed(2)} s before, ${again.seconds.toFixed(2)} s after, mean ${localMean.toFixed(2)} s)`);
    } finally {
      await stop();
    }
  }
} finally {
  if (!values.keep) fs.rmSync(dir, { recursive: true, force: true });
}
