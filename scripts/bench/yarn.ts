/**
 * `npm run bench:yarn [-- --mb 256 --docs 1000000 --keep]`: a private HDFS (scripts/hdfs, 64 MiB blocks,
 * ports from 47000) and YARN (scripts/yarn, ports from 48000: one NodeManager, 6144 MB / 4 vcores) on
 * this machine; in one invocation:
 * 1. word count over `--mb` MiB of Zipf text on HDFS: bsctl `--runner yarn` (Hadoop Streaming) against
 *    Hadoop's own Java WordCount (hadoop-mapreduce-examples 3.3.6) on the same YARN, 64 MiB splits and 2
 *    reducers each; both results checked against the generator's count.
 * 2. the full build of `--docs` generated in1 documents (data and index on HDFS, 4 partitions):
 *    `--runner yarn` against the local runner.
 * Printed: walls, MB/s or docs/s, peak RSS of the client's process tree, and the ratios.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { writeHa3Docs } from './ha3-docs.ts';
import { machineLine, mib, timed } from './measure.ts';
import { countDifference, readCounts, writeZipfText } from './zipf-text.ts';

const { values } = parseArgs({ options: { mb: { type: 'string', default: '256' }, docs: { type: 'string', default: '1000000' }, keep: { type: 'boolean', default: false } } });
const MB = Number(values.mb);
const DOCS = Number(values.docs);
const BSCTL = fileURLToPath(new URL('../../bin/bsctl.js', import.meta.url));
const HDFS = fileURLToPath(new URL('../hdfs', import.meta.url));
const YARN = fileURLToPath(new URL('../yarn', import.meta.url));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bsctl-bench-yarn-'));
const hdfsEnv = { ...process.env, BSCTL_HDFS_DIR: path.join(dir, 'hdfs'), BSCTL_HDFS_PORT_BASE: '19000' };
const yarnEnv = { ...hdfsEnv, BSCTL_YARN_DIR: path.join(dir, 'yarn'), BSCTL_YARN_PORT_BASE: '28000' };
const env: NodeJS.ProcessEnv = { ...process.env };

async function service(script: string, senv: NodeJS.ProcessEnv, ...args: string[]): Promise<void> {
  const r = await timed(script, ['start', ...args], senv);
  if (r.code !== 0) throw new Error(`${path.basename(script)} start failed:\n${r.stderr}`);
  for (const m of (await timed(script, ['env'], senv)).stdout.matchAll(/export (\w+)='?([^'\s]+)'?/g)) env[m[1]!] = m[2]!;
}

async function bsctl(...args: string[]): Promise<Awaited<ReturnType<typeof timed>>> {
  const r = await timed(process.execPath, [BSCTL, ...args], env);
  if (r.code !== 0) throw new Error(`bsctl ${args.join(' ')} failed (${r.code}):\n${r.stderr.slice(-3000)}`);
  return r;
}

/** An HDFS output's word counts, fetched to local disk. */
async function countsOn(hdfsDir: string): Promise<Map<string, number>> {
  const local = path.join(dir, `get-${path.basename(hdfsDir)}`);
  await bsctl('fs', 'get', hdfsDir, local);
  return readCounts(local);
}

const ratio = (a: number, b: number): string => `${(a / b).toFixed(2)}x`;

async function wordCount(): Promise<void> {
  const file = path.join(dir, 'zipf.txt');
  const expected = writeZipfText(file, MB * 1024 * 1024);
  const bytes = fs.statSync(file).size;
  await bsctl('fs', 'put', file, 'hdfs:///bench/zipf.txt');
  fs.rmSync(file);
  console.log(`word count: ${(bytes / 1048576).toFixed(0)} MiB of Zipf text on HDFS (64 MiB blocks), ${expected.size} distinct words, 64 MiB splits, 2 reducers`);
  const ours = await bsctl('run', 'word-count', '--input', 'hdfs:///bench/zipf.txt', '--output', 'hdfs:///bench/wc-bsctl', '--runner', 'yarn', '--split-size', '64m', '--reducers', '2');
  const d1 = countDifference(expected, await countsOn('hdfs:///bench/wc-bsctl'));
  if (d1) throw new Error(`bsctl's word count on YARN is wrong: ${d1}`);
  const examples = fs.readdirSync(path.join(os.homedir(), '.cache/bsctl/hadoop-3.3.6/lib')).find((n) => n.startsWith('hadoop-mapreduce-examples-'));
  if (!examples) throw new Error('hadoop-mapreduce-examples is not in ~/.cache/bsctl/hadoop-3.3.6/lib (scripts/hdfs resolves it)');
  const cp = `${env.BSCTL_HADOOP_CLASSPATH}:${path.join(os.homedir(), '.cache/bsctl/hadoop-3.3.6/lib', examples)}`;
  const theirs = await timed('java', ['-Xmx256m', '-cp', cp, 'org.apache.hadoop.examples.WordCount', '-D', 'mapreduce.job.reduces=2', '-D', `mapreduce.input.fileinputformat.split.maxsize=${64 * 1048576}`, '/bench/zipf.txt', '/bench/wc-hadoop'], env);
  if (theirs.code !== 0) throw new Error(`Hadoop WordCount failed (${theirs.code}):\n${theirs.stderr.slice(-3000)}`);
  const d2 = countDifference(expected, await countsOn('hdfs:///bench/wc-hadoop'));
  if (d2) throw new Error(`Hadoop's WordCount differs from the generator: ${d2}`);
  const mbps = (s: number): string => `${(bytes / 1048576 / s).toFixed(1)} MiB/s`;
  console.log(`  bsctl --runner yarn (Streaming): ${ours.seconds.toFixed(1)} s, ${mbps(ours.seconds)}, exact; client tree ${mib(ours.treeRss)}`);
  console.log(`  Hadoop WordCount (Java) on the same YARN: ${theirs.seconds.toFixed(1)} s, ${mbps(theirs.seconds)}, exact; client ${mib(theirs.treeRss)}`);
  console.log(`  bsctl/Hadoop wall-time ratio: ${ratio(ours.seconds, theirs.seconds)}`);
}

async function fullBuild(): Promise<void> {
  const file = path.join(dir, 'docs.ha3');
  writeHa3Docs(file, DOCS);
  const bytes = fs.statSync(file).size;
  await bsctl('fs', 'put', file, 'hdfs:///bench/docs.ha3');
  fs.rmSync(file);
  console.log(`full build: ${DOCS} documents (${(bytes / 1048576).toFixed(0)} MiB) on HDFS, 4 partitions, index on HDFS`);
  const build = (root: string, ...extra: string[]): ReturnType<typeof bsctl> => bsctl('run', 'full-build', '--table', 'in1', '--data', 'hdfs:///bench/docs.ha3', '--index-root', root, '--partitions', '4', ...extra);
  const onYarn = await build('hdfs:///bench/index-yarn', '--runner', 'yarn', '--conf', 'mapreduce.reduce.memory.mb=2048');
  const local = await build('hdfs:///bench/index-local');
  const docsPerS = (s: number): string => `${Math.round(DOCS / s)} docs/s`;
  console.log(`  --runner yarn: ${onYarn.seconds.toFixed(1)} s, ${docsPerS(onYarn.seconds)}; client tree ${mib(onYarn.treeRss)}`);
  console.log(`  --runner local: ${local.seconds.toFixed(1)} s, ${docsPerS(local.seconds)}; all processes ${mib(local.treeRss)}`);
  console.log(`  yarn/local wall-time ratio: ${ratio(onYarn.seconds, local.seconds)}`);
}

try {
  console.log(machineLine());
  await service(HDFS, hdfsEnv, '--block-size', '64m');
  await service(YARN, yarnEnv);
  console.log(`YARN 3.3.6 (one NodeManager: 6144 MB, 4 vcores) on HDFS ${env.BSCTL_NAMENODE}`);
  await wordCount();
  await fullBuild();
} finally {
  await timed(YARN, ['stop'], yarnEnv);
  await timed(HDFS, ['stop'], hdfsEnv);
  if (!values.keep) fs.rmSync(dir, { recursive: true, force: true });
}
