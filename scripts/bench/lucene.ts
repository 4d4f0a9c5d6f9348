/**
 * Apache Lucene as the comparison of the full-build benchmark (`--vs-lucene`). On first use, lucene-core is
 * resolved from Maven Central with scripts/lucene/pom.xml and scripts/lucene/LuceneFullBuild.java is compiled
 * with javac, both into a cache dir (BSCTL_LUCENE_CACHE, default ~/.cache/bsctl/lucene-<version>; the classes
 * dir is keyed by the source's hash, so an edited source is compiled again). Nothing lands in the work tree.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TermStats } from './index-terms.ts';
import { publish, resolveJars, tail, tool } from './maven.ts';
import { timed } from './measure.ts';

/** The last Lucene line that runs on Java 17 (10.x needs Java 21). */
export const LUCENE_VERSION = '9.12.3';
/** JVM flags of the indexing run: the heap is set explicitly, everything else is the JVM's default. */
export const LUCENE_JVM_FLAGS: readonly string[] = ['-Xmx1g'];

const POM = fileURLToPath(new URL('../lucene/pom.xml', import.meta.url));
const SOURCE = fileURLToPath(new URL('../lucene/LuceneFullBuild.java', import.meta.url));
const MAIN = 'LuceneFullBuild';
const CACHE = process.env.BSCTL_LUCENE_CACHE ?? path.join(os.homedir(), '.cache', 'bsctl', `lucene-${LUCENE_VERSION}`);

export interface LuceneBuildOptions {
  /** Number of indexes (one IndexWriter each); a document goes to partition `id mod partitions`. */
  readonly partitions: number;
  /** Indexing threads, each parsing one slice of the file. */
  readonly threads: number;
  /** IndexWriterConfig.setRAMBufferSizeMB of each writer. */
  readonly ramBufferMb: number;
}

export interface LuceneBuild {
  readonly seconds: number;
  /** Sampled peak of the summed RSS of the JVM's process tree, bytes. */
  readonly treeRss: number;
  /** Bytes of all files under the output directory. */
  readonly indexBytes: number;
  /** Documents the indexer added. */
  readonly docs: number;
  /** Lucene's own Version.LATEST. */
  readonly version: string;
  /** Java version, VM, max heap, processors and GCs, as the JVM reports them. */
  readonly jvm: string;
}

export interface LuceneIndexStats {
  readonly numDocs: number;
  /** Segments of each partition. */
  readonly segments: readonly number[];
  readonly terms: ReadonlyMap<string, TermStats>;
}

const WHY = '--vs-lucene';
const resolveLucene = (): Promise<string> =>
  resolveJars({ pom: POM, lib: path.join(CACHE, 'lib'), expect: `lucene-core-${LUCENE_VERSION}.jar`, what: `Apache Lucene ${LUCENE_VERSION}`, why: WHY, properties: { 'lucene.version': LUCENE_VERSION } });

/** Resolve and compile on first use; returns the classpath of the indexer. */
export async function ensureLuceneIndexer(): Promise<string> {
  const lib = await resolveLucene();
  const hash = createHash('sha256').update(LUCENE_VERSION).update(fs.readFileSync(SOURCE)).digest('hex').slice(0, 16);
  const classes = path.join(CACHE, `classes-${hash}`);
  if (!fs.existsSync(path.join(classes, `${MAIN}.class`))) {
    const tmp = `${classes}.tmp-${process.pid}`;
    fs.rmSync(tmp, { recursive: true, force: true });
    const r = await tool('javac', ['--release', '17', '-cp', path.join(lib, '*'), '-d', tmp, SOURCE], 'openjdk-17-jdk-headless', WHY);
    if (r.code !== 0) {
      fs.rmSync(tmp, { recursive: true, force: true });
      throw new Error(`javac could not compile ${SOURCE} (exit ${r.code}):\n${tail(`${r.stdout}\n${r.stderr}`)}`);
    }
    publish(tmp, classes);
  }
  return `${classes}${path.delimiter}${path.join(lib, '*')}`;
}

function dirBytes(p: string): number {
  const st = fs.statSync(p);
  if (!st.isDirectory()) return st.size;
  let n = 0;
  for (const e of fs.readdirSync(p)) n += dirBytes(path.join(p, e));
  return n;
}

function field(stdout: string, key: string): string {
  const m = new RegExp(`^${key} (.*)$`, 'm').exec(stdout);
  if (!m) throw new Error(`the Lucene indexer printed no "${key}" line:\n${tail(stdout)}`);
  return m[1]!;
}

/** Index the ha3 `file` with Lucene into `out/partition_<p>` (created; must not hold an index yet). */
export async function luceneFullBuild(file: string, out: string, options: LuceneBuildOptions): Promise<LuceneBuild> {
  const cp = await ensureLuceneIndexer();
  const r = await timed('java', [...LUCENE_JVM_FLAGS, '-cp', cp, MAIN, 'build', file, out,
    String(options.partitions), String(options.threads), String(options.ramBufferMb)]);
  if (r.code !== 0) throw new Error(`the Lucene indexer failed (exit ${r.code}):\n${tail(r.stderr)}`);
  const version = field(r.stdout, 'lucene');
  if (version !== LUCENE_VERSION) throw new Error(`expected Lucene ${LUCENE_VERSION} on the classpath, the indexer ran ${version}`);
  return { seconds: r.seconds, treeRss: r.treeRss, indexBytes: dirBytes(out), docs: Number(field(r.stdout, 'docs')), version, jvm: field(r.stdout, 'jvm') };
}

/** Document count, segments and term statistics of the indexes luceneFullBuild wrote (all partitions together). */
export async function luceneIndexStats(out: string, partitions: number, fields: readonly string[]): Promise<LuceneIndexStats> {
  const cp = await ensureLuceneIndexer();
  const r = await timed('java', ['-Xmx512m', '-cp', cp, MAIN, 'stats', out, String(partitions), ...fields]);
  if (r.code !== 0) throw new Error(`reading the Lucene indexes failed (exit ${r.code}):\n${tail(r.stderr)}`);
  const terms = new Map<string, TermStats>();
  for (const m of r.stdout.matchAll(/^terms (\S+) (\d+) (\d+)$/gm)) terms.set(m[1]!, { distinct: Number(m[2]), sumDocFreq: Number(m[3]) });
  return { numDocs: Number(field(r.stdout, 'numDocs')), segments: field(r.stdout, 'segments').split(' ').map(Number), terms };
}
