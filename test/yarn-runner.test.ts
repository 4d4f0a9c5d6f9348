/**
 * `--runner yarn` against the YARN and HDFS `npm test` starts: jobs run as Hadoop Streaming applications
 * equal the local runner's output (word count: part files; full build: segment files), counters
 * included; failures name the application and the task with the task's error and probable cause;
 * bad settings are refused before anything is submitted; killing the client kills the application.
 */
import test from 'ava';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { writeHa3Docs } from '../scripts/bench/ha3-docs.ts';
import { fileSystemFor } from '../framework/fs/resolve.ts';
import { downloadGeneration } from '../framework/index/package-file.ts';
import { bsctl, bsctlAsync, bsctlStart, ROOT, tempDir } from './helpers/cli.ts';
import { segmentDigest } from './helpers/full-build.ts';
import { joinedLines, oracle, range, rows, seeded, writeTsv } from './helpers/join-data.ts';
import { hdfsDir, hdfsRead, hdfsWrite, requireHdfs } from './helpers/hdfs.ts';
import { waitFor } from './helpers/wait.ts';
import { rmJson, testYarn } from './helpers/yarn.ts';

const yarn = testYarn();
const serial = yarn ? test.serial : test.serial.skip;
// The failure tests each run a small application of their own: side by side (ava runs them after the serial ones).
const concurrent = yarn ? test : test.skip;
const local = tempDir('yarn-runner');
const fixture = (name: string): string => path.join(ROOT, 'test/fixtures/jobs', name);

interface App {
  readonly id: string;
  readonly queue: string;
  readonly state: string;
  readonly finalStatus: string;
  readonly applicationTags: string;
}

async function app(id: string): Promise<App> {
  return (await rmJson<{ app: App }>(yarn!, `/ws/v1/cluster/apps/${id}`)).app;
}

/** 2.6 MB of words over 1 MiB HDFS blocks: 1400 KB splits start and end inside blocks. */
function words(): string {
  const w = ['alpha', 'beta', 'gamma', 'delta', 'eps', 'zeta', 'eta', 'theta', 'ünï', '中文'];
  let s = 0x2545f491;
  const next = (): number => (s = (Math.imul(s, 1103515245) + 12345) >>> 0);
  const lines: string[] = [];
  for (let i = 0; i < 45_000; i++) lines.push(Array.from({ length: 8 }, () => `${w[next() % w.length]}${next() % 40}`).join(' '));
  return `${lines.join('\n')}\n`;
}

/** A loopback port nothing listens on (just closed). */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** Nothing staged beside an HDFS output (`.name.bsctl-*`). */
async function leftoversOnHdfs(output: string): Promise<string[]> {
  const parent = output.slice(0, output.lastIndexOf('/'));
  const name = output.slice(output.lastIndexOf('/') + 1);
  return (await fileSystemFor(parent).list(parent)).map((f) => f.path.slice(parent.length + 1)).filter((n) => n.startsWith(`.${name}.bsctl-`));
}

serial('word-count (and a two-step job) with --runner yarn equal the local runner: part files byte for byte, every counter, splits crossing HDFS blocks; the application ran in root.default', async (t) => {
  requireHdfs();
  const dir = hdfsDir('yarn-wc');
  await hdfsWrite(`${dir}/in.txt`, words());
  const args = ['run', 'word-count', '--input', `${dir}/in.txt`, '--split-size', '1400k', '--reducers', '2'];
  // Beside it, a two-step job (word count, then words by count: numbers as keys, an intermediate step
  // on HDFS) on both runners.
  const invert = ['run', fixture('invert-count.ts'), '--input', `${dir}/in.txt`, '--split-size', '8m', '--reducers', '1'];
  const [a, b, c, d] = await Promise.all([
    bsctlAsync([...args, '--output', `${dir}/local`, '--report-json', path.join(local, 'wc-local.json')]),
    bsctlAsync([...args, '--output', `${dir}/yarn`, '--runner', 'yarn', '--report-json', path.join(local, 'wc-yarn.json')]),
    bsctlAsync([...invert, '--output', `${dir}/inv-local`]),
    bsctlAsync([...invert, '--output', `${dir}/inv-yarn`, '--runner', 'yarn']),
  ]);
  t.is(a.code, 0, a.stderr);
  t.is(b.code, 0, b.stderr);
  t.is(c.code, 0, c.stderr);
  t.is(d.code, 0, d.stderr);
  t.regex(d.stderr, /invert-count, 2 step\(s\)[\s\S]*step 0 done \(application_\d+_\d+\)[\s\S]*step 1 done/);
  t.true((await hdfsRead(`${dir}/inv-yarn/part-r-00000`)).equals(await hdfsRead(`${dir}/inv-local/part-r-00000`)), 'invert-count');
  for (const p of ['part-r-00000', 'part-r-00001']) t.true((await hdfsRead(`${dir}/yarn/${p}`)).equals(await hdfsRead(`${dir}/local/${p}`)), p);
  const ra = JSON.parse(fs.readFileSync(path.join(local, 'wc-local.json'), 'utf8')) as { counters: unknown; maps: number; reduces: number; jobId: string };
  const rb = JSON.parse(fs.readFileSync(path.join(local, 'wc-yarn.json'), 'utf8')) as typeof ra;
  t.deepEqual(rb.counters, ra.counters);
  t.deepEqual([rb.maps, rb.reduces], [ra.maps, ra.reduces]);
  t.is(rb.maps, 2);
  const id = /submitted as (application_\d+_\d+) \(queue root\.default\)/.exec(b.stderr)?.[1];
  t.truthy(id, b.stderr);
  t.like(await app(id!), { queue: 'root.default', state: 'FINISHED', finalStatus: 'SUCCEEDED', applicationTags: `bsctl_${rb.jobId}_s0`.toLowerCase() });
  t.deepEqual(await leftoversOnHdfs(`${dir}/yarn`), []);
});

serial('full build with --runner yarn: the same segment files as a local build, published as a generation the searcher reads', async (t) => {
  requireHdfs();
  const dir = hdfsDir('yarn-fb');
  const data = path.join(local, 'docs.ha3');
  writeHa3Docs(data, 3000);
  t.true(fs.statSync(data).size > 1.2 * 1024 * 1024, 'more than one HDFS block');
  await hdfsWrite(`${dir}/docs.ha3`, fs.readFileSync(data));
  const build = (root: string, ...extra: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> => bsctlAsync(['run', 'full-build', '--table', 'in1', '--data', `${dir}/docs.ha3`, '--index-root', root, '--partitions', '2', '--split-size', '700k', ...extra]);
  const localRoot = path.join(local, 'fb-local');
  const [a, b] = await Promise.all([build(localRoot), build(`${dir}/index`, '--runner', 'yarn')]);
  t.is(a.code, 0, a.stderr);
  t.is(b.code, 0, b.stderr);
  t.regex(b.stdout, /published in1 generation 0: partition_0_32767, partition_32768_65535/);
  t.regex(b.stdout, /full-build\n\t\tCMD=add=\d+/);
  const back = path.join(local, 'fb-back');
  await downloadGeneration(`${dir}/index/in1/generation_0`, back);
  const got = segmentDigest(back);
  t.true(Object.keys(got).length > 20, Object.keys(got).join(' '));
  t.deepEqual(got, segmentDigest(path.join(localRoot, 'in1/generation_0')));
  const q = bsctl(['status', '--table', 'in1', '--index-root', `${dir}/index`]);
  t.regex(q.stdout, /"status":"READY","generationId":0/);
});

serial('joins with --runner yarn equal the local runner: bloom and reduce-side steps, a replicated one, a merge join; a full build with side tables and key lists (four replicated joins inside one application) gives the same segments', async (t) => {
  requireHdfs();
  const dir = hdfsDir('yarn-join');
  // Keys k0000..k0099 on the job's side (two files), k0050..k0149 on the side, up to 3 times each.
  const rand = seeded(29);
  const jobRecs = [...writeTsv(path.join(local, 'join/job-0.tsv'), rows('L', range(0, 100), rand, { count: 700 })), ...writeTsv(path.join(local, 'join/job-1.tsv'), rows('M', range(0, 100), rand, { count: 500 }))];
  const sideRecs = writeTsv(path.join(local, 'join/side.tsv'), rows('R', range(50, 150), rand, { perKey: 3 }));
  for (const f of ['job-0.tsv', 'job-1.tsv', 'side.tsv']) await hdfsWrite(`${dir}/${f}`, fs.readFileSync(path.join(local, 'join', f)));
  const joinRun = (kind: string, strategy: string, out: string, ...extra: string[]) =>
    bsctlAsync(['run', fixture(kind === 'inner' ? 'join-kinds.ts' : `join-${kind}.ts`), '--input', `${dir}/job-0.tsv`, `${dir}/job-1.tsv`, '--side', `side=${dir}/side.tsv`, '--split-size', '4k', '--reducers', '3', '--conf', `bsctl.join.strategy=${strategy}`, '--output', out, ...extra]);
  const cases = [['inner', 'bloom'], ['left', 'reduce'], ['semi', 'replicated']] as const;
  // The full build's table: documents, a TSV side table, a JSON-lines one, an include and an exclude list, all on HDFS.
  const docs = path.join(local, 'join/docs.ha3');
  writeHa3Docs(docs, 1500);
  await hdfsWrite(`${dir}/docs.ha3`, fs.readFileSync(docs));
  await hdfsWrite(`${dir}/hits.tsv`, Array.from({ length: 500 }, (_, i) => `${3 * i + 3}\tx\t${9000 + i}\n`).join(''));
  await hdfsWrite(`${dir}/tags.jsonl`, Array.from({ length: 200 }, (_, i) => `${JSON.stringify({ doc: 7 * i + 7, tags: ['gold', String(i)] })}\n`).join(''));
  await hdfsWrite(`${dir}/allow.txt`, Array.from({ length: 1200 }, (_, i) => `${i + 1}\n`).join(''));
  await hdfsWrite(`${dir}/deny.txt`, Array.from({ length: 150 }, (_, i) => `${10 * i + 10}\n`).join(''));
  const tableConfig = path.join(local, 'join/table.json');
  const join = {
    sides: [
      { data: [`${dir}/hits.tsv`], columns: ['id', 'note', 'hits'], key: 'id', fields: ['hits'] },
      { data: [`${dir}/tags.jsonl`], key: 'doc', on: 'id', fields: ['tags'] },
    ],
    includeKeys: { data: [`${dir}/allow.txt`] },
    excludeKeys: { data: [`${dir}/deny.txt`], on: 'id' },
  };
  fs.writeFileSync(tableConfig, JSON.stringify({ schema: path.join(ROOT, 'fixtures/in1/schema.json'), data: [`${dir}/docs.ha3`], partitions: 2, join }));
  const build = (root: string, ...extra: string[]) => bsctlAsync(['run', 'full-build', '--table', 'j1', '--table-config', tableConfig, '--index-root', root, '--split-size', '200k', ...extra]);
  const localRoot = path.join(local, 'join/fb-local');
  // A merge join: two outputs partitioned alike (3 reducers, the local runner, on HDFS), joined partition by partition.
  const merge = async (): Promise<Awaited<ReturnType<typeof bsctlAsync>>[]> => {
    const part = (input: string, out: string) => bsctlAsync(['run', fixture('merge-partition.ts'), '--input', input, '--output', out, '--reducers', '3']);
    const made = await Promise.all([part(`${dir}/job-0.tsv`, `${dir}/A`), part(`${dir}/side.tsv`, `${dir}/B`)]);
    const joined = (out: string, ...extra: string[]) => bsctlAsync(['run', fixture('merge-inner.ts'), '--input', `${dir}/A`, '--side', `side=${dir}/B`, '--conf', 'bsctl.join.strategy=merge', '--output', out, ...extra]);
    return [...made, ...(await Promise.all([joined(path.join(local, 'join/merge-local')), joined(`${dir}/merge-yarn`, '--runner', 'yarn')]))];
  };
  const [runs, merged] = await Promise.all([
    Promise.all([
      ...cases.flatMap(([kind, strategy]) => [joinRun(kind, strategy, path.join(local, `join/${kind}-local`)), joinRun(kind, strategy, `${dir}/${kind}-yarn`, '--runner', 'yarn')]),
      build(localRoot),
      build(`${dir}/index`, '--runner', 'yarn'),
    ]),
    merge(),
  ]);
  const parts = (d: string): Record<string, string> => Object.fromEntries(fs.readdirSync(d).filter((n) => n.startsWith('part-')).map((n) => [n, fs.readFileSync(path.join(d, n), 'utf8')]));
  for (const r of merged) t.is(r.code, 0, r.stderr);
  t.regex(merged[3]!.stdout, /Join \(step 0\) with side, inner: merge \(asked for: 3 partition\(s\) on each side\)/);
  t.is(bsctl(['fs', 'get', `${dir}/merge-yarn`, path.join(local, 'join/merge-back')]).code, 0);
  const mergedParts = parts(path.join(local, 'join/merge-back'));
  t.is(Object.keys(mergedParts).length, 3, 'one part file per partition pair');
  t.true(Object.values(mergedParts).join('').split('\n').length > 100, 'the merge join found matches');
  t.deepEqual(mergedParts, parts(path.join(local, 'join/merge-local')), 'merge: part files');
  for (const r of runs) t.is(r.code, 0, r.stderr);
  for (const [i, [kind, strategy]] of cases.entries()) {
    const [here, there] = [runs[2 * i]!, runs[2 * i + 1]!];
    t.regex(there.stdout, new RegExp(`Join \\(step 0\\) with side, ${kind}: ${strategy} \\(`), kind);
    const back = path.join(local, `join/${kind}-back`);
    t.is(bsctl(['fs', 'get', `${dir}/${kind}-yarn`, back]).code, 0);
    t.deepEqual(parts(back), parts(path.join(local, `join/${kind}-local`)), `${kind} ${strategy}: part files`);
    t.deepEqual(joinedLines(kind, back), oracle(kind, jobRecs, sideRecs), `${kind} ${strategy}: the oracle`);
    // The Join side counters (records without a match, output records) equal the local run's.
    const joinCounters = (out: string): string => (/\tJoin side\n((?:\t\t.*\n)+)/.exec(out)?.[1] ?? '').replace(/.*build ms=.*\n/, '');
    t.not(joinCounters(there.stdout), '', there.stdout);
    t.is(joinCounters(there.stdout), joinCounters(here.stdout), `${kind} ${strategy}: Join side counters`);
  }
  // The full build: the four joins chosen replicated, run inside the build's mappers: one application.
  const fb = runs.at(-1)!;
  t.is(fb.stdout.match(/Join \(step \d\) with [-\w]+, \w+: replicated \(/g)?.length, 4, fb.stdout);
  t.is(fb.stderr.match(/submitted as application_/g)?.length, 1, fb.stderr);
  const back = path.join(local, 'join/fb-back');
  await downloadGeneration(`${dir}/index/j1/generation_0`, back);
  const got = segmentDigest(back);
  t.true(Object.keys(got).length > 20, Object.keys(got).join(' '));
  t.deepEqual(got, segmentDigest(path.join(localRoot, 'j1/generation_0')));
});

concurrent('a map that throws on YARN: the error names the application and the task, its stderr and the probable cause; nothing is published', async (t) => {
  requireHdfs();
  const dir = hdfsDir('yarn-throws');
  await hdfsWrite(`${dir}/in.txt`, 'one\ntwo\n');
  const r = await bsctlAsync(['run', fixture('throws.ts'), '--input', `${dir}/in.txt`, '--output', `${dir}/out`, '--runner', 'yarn', '--conf', 'mapreduce.map.maxattempts=2']);
  t.is(r.code, 1, r.stderr);
  t.regex(r.stderr, /bsctl: error: application_\d+_\d+: task map 0 \(task_\d+_\d+_m_000000 on \S+\) failed 2 times; last error: cannot map line "one" \(while mapping the record at byte 0 of hdfs:\/\/\S+\/in\.txt\)/);
  t.regex(r.stderr, /probable cause: the job's code threw: at map \(\S+test\/fixtures\/jobs\/throws\.ts:\d+:\d+\)/);
  t.regex(r.stderr, /--- stderr tail of the last attempt ---\nbsctl-task attempt_\d+_\d+_m_000000_1: Error: cannot map line/);
  t.false(await fileSystemFor(dir).stat(`${dir}/out`).then(Boolean));
  t.deepEqual(await leftoversOnHdfs(`${dir}/out`), []);
});

concurrent('a deterministic error on YARN is not retried: the application is killed after the first failed attempt', async (t) => {
  requireHdfs();
  const dir = hdfsDir('yarn-det');
  await hdfsWrite(`${dir}/in.txt`, 'x\n');
  const r = await bsctlAsync(['run', fixture('deterministic-fails.ts'), '--input', `${dir}/in.txt`, '--output', `${dir}/out`, '--runner', 'yarn']);
  t.is(r.code, 1, r.stderr);
  t.regex(r.stderr, /failed once, not retried \(a deterministic error: every attempt would fail the same way\); error: conf "mode" must be "ok"/);
  const id = /(application_\d+_\d+) was killed: not retried/.exec(r.stderr)?.[1];
  t.truthy(id, r.stderr);
  t.like(await app(id!), { state: 'KILLED' });
  t.deepEqual(await leftoversOnHdfs(`${dir}/out`), []);
});

concurrent('Node missing on the NodeManagers: the task that could not start is named with the cause from YARN\'s logs', async (t) => {
  requireHdfs();
  const dir = hdfsDir('yarn-nonode');
  await hdfsWrite(`${dir}/in.txt`, 'x\n');
  const r = await bsctlAsync(['run', 'word-count', '--input', `${dir}/in.txt`, '--output', `${dir}/out`, '--runner', 'yarn', '--conf', 'bsctl.yarn.node=/nonexistent/node', '--conf', 'mapreduce.map.maxattempts=1']);
  t.is(r.code, 1, r.stderr);
  t.regex(r.stderr, /bsctl: error: application_\d+_\d+: task task_\d+_\d+_m_000000 failed once; last error: .*Cannot run program "\/nonexistent\/node"/);
  t.regex(r.stderr, /probable cause: the NodeManager could not run \/nonexistent\/node \(No such file or directory\): install Node\.js 20\+ on every NodeManager/);
  t.deepEqual(await leftoversOnHdfs(`${dir}/out`), []);
});

serial('--runner yarn refuses before anything is submitted: an unknown queue (listing the queues), an unreachable ResourceManager, a local input or join side', async (t) => {
  requireHdfs();
  const dir = hdfsDir('yarn-refuse');
  await hdfsWrite(`${dir}/in.txt`, 'x\n');
  const since = Date.now();
  const queue = bsctl(['run', 'word-count', '--input', `${dir}/in.txt`, '--output', `${dir}/out`, '--runner', 'yarn', '--pool', 'nosuch']);
  t.is(queue.code, 1);
  t.regex(queue.stderr, /--pool nosuch: the ResourceManager at http:\/\/127\.0\.0\.1:\d+ has no queue root\.nosuch \(its queues: [^)]*root\.default/);
  const bad = bsctl(['run', 'word-count', '--input', `${dir}/in.txt`, '--output', `${dir}/out`, '--runner', 'yarn', '--pool', '../x']);
  t.regex(bad.stderr, /--pool: invalid name "\.\.\/x"/);
  const port = await freePort();
  const down = await bsctlAsync(['run', 'word-count', '--input', `${dir}/in.txt`, '--output', `${dir}/out`, '--runner', 'yarn'], { BSCTL_YARN_WEB: `http://127.0.0.1:${port}` });
  t.is(down.code, 1);
  t.regex(down.stderr, new RegExp(`YARN ResourceManager at http://127\\.0\\.0\\.1:${port} is unreachable \\(ECONNREFUSED\\)`));
  const file = path.join(local, 'in.txt');
  fs.writeFileSync(file, 'x\n');
  const onDisk = bsctl(['run', 'word-count', '--input', file, '--output', `${dir}/out`, '--runner', 'yarn']);
  t.regex(onDisk.stderr, /--runner yarn: input \S+in\.txt is on this machine's disk; YARN's NodeManagers read hdfs:\/\//);
  const sideOnDisk = bsctl(['run', fixture('join-kinds.ts'), '--input', `${dir}/in.txt`, '--side', `side=${file}`, '--output', `${dir}/out`, '--runner', 'yarn']);
  t.regex(sideOnDisk.stderr, /--runner yarn: join side \S+in\.txt is on this machine's disk; YARN's NodeManagers read hdfs:\/\/ \(or hbase:\/\/\) sides/);
  // (Other test files' applications may start meanwhile: only word counts from here would be ours.)
  const apps = (await rmJson<{ apps: { app?: { name: string; startedTime: number }[] } | null }>(yarn!, `/ws/v1/cluster/apps?startedTimeBegin=${since}`)).apps?.app ?? [];
  t.deepEqual(apps.filter((a) => /^bsctl (word-count|join-inner) /.test(a.name)), [], 'no application submitted');
});

concurrent('killing the client (SIGTERM) kills its YARN application and removes the staging; nothing is published', async (t) => {
  requireHdfs();
  const dir = hdfsDir('yarn-kill');
  await hdfsWrite(`${dir}/in.txt`, 'a\nb\n');
  const run = bsctlStart(['run', fixture('slow-count.ts'), '--input', `${dir}/in.txt`, '--output', `${dir}/out`, '--runner', 'yarn', '--conf', 'sleep.ms=120000']);
  const id = await waitFor(() => /submitted as (application_\d+_\d+)/.exec(run.stderr())?.[1], { what: 'the application id', timeoutMs: 60_000, intervalMs: 200 });
  await waitFor(async () => ((await app(id)).state === 'RUNNING' ? true : undefined), { what: `${id} running`, timeoutMs: 60_000, intervalMs: 500 });
  run.child.kill('SIGTERM');
  const end = await run.done;
  t.is(end.code, 143, end.stderr);
  t.regex(end.stderr, new RegExp(`killing ${id} \\(interrupted\\)`));
  await waitFor(async () => ((await app(id)).state === 'KILLED' ? true : undefined), { what: `${id} killed`, timeoutMs: 30_000, intervalMs: 500 });
  t.false(await fileSystemFor(dir).stat(`${dir}/out`).then(Boolean));
  t.deepEqual(await leftoversOnHdfs(`${dir}/out`), []);
});
