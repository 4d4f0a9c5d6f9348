import test from 'ava';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runJob } from '../framework/runner/driver.ts';
import { fetchStatus } from '../framework/scheduler/client.ts';
import type { Sample, SchedulerStatus } from '../framework/scheduler/status.ts';
import { BSCTL, ROOT, bsctl, bsctlAsync, leftovers, outputLines, tempDir, type CliResult } from './helpers/cli.ts';
import { testCluster } from './helpers/cluster.ts';
import { waitFor } from './helpers/wait.ts';

// A real scheduler daemon (`bsctl scheduler start`) over the three real sshd hosts of `npm test`
// (6 map slots, 3 reduce slots); jobs are submitted with `bsctl run --runner cluster --pool`.
const SLOW = fileURLToPath(new URL('./fixtures/jobs/slow-count.ts', import.meta.url));
const dir = tempDir('scheduler');
const stateDir = path.join(dir, 'state');
// The daemon's token lives in its state dir: every bsctl this file starts (and fetchStatus here) reads it there.
process.env.BSCTL_SCHEDULER_DIR = stateDir;
const allocations = path.join(dir, 'fair-scheduler.xml');
const ALLOCATIONS = `<?xml version="1.0"?>
<allocations>
  <pool name="gold"><weight>2</weight></pool>
  <pool name="silver"><weight>1</weight></pool>
  <pool name="solo"><maxRunningJobs>1</maxRunningJobs></pool>
  <pool name="prod"><minMaps>4</minMaps><minSharePreemptionTimeout>1</minSharePreemptionTimeout></pool>
  <pool name="batch"><schedulingMode>fifo</schedulingMode></pool>
</allocations>
`;
let url = '';

test.before(() => {
  fs.writeFileSync(allocations, ALLOCATIONS);
  const args = ['--cluster', testCluster().file, '--allocations', allocations, '--port', '0', '--state-dir', stateDir, '--jobs-dir', path.join(ROOT, 'test/fixtures/jobs'), '--jobs-dir', dir];
  const r = bsctl(['scheduler', 'start', ...args, '--preemption', '--preemption-interval', '500', '--reload-interval', '300', '--locality-delay', '0']);
  if (r.code !== 0) throw new Error(`scheduler start failed: ${r.stderr}`);
  url = /scheduler started: (http:\/\/\S+)\/scheduler/.exec(r.stdout)![1]!;
});
test.after.always(() => {
  const stop = bsctl(['scheduler', 'stop', '--state-dir', stateDir]);
  if (stop.code !== 0 || process.env.BSCTL_TEST_SCHEDULER_LOG) process.stderr.write(`scheduler stop: ${stop.stderr}\n--- scheduler.log ---\n${fs.readFileSync(path.join(stateDir, 'scheduler.log'), 'utf8')}`);
  fs.rmSync(dir, { recursive: true, force: true });
});

async function status(since = 0): Promise<SchedulerStatus> {
  return fetchStatus(url, since);
}

/** Poll the daemon until `probe` gives a value (the shared deadline helper, 100 ms between polls). */
function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  return waitFor(probe, { what, timeoutMs, intervalMs: 100 });
}

function words(lines: number, tag: string): string {
  return `${Array.from({ length: lines }, (_, i) => `${tag}${i % 41} x${i % 13} common`).join('\n')}\n`;
}

/** An input of `maps` splits of 1 KiB (about 50 lines each). */
function input(name: string, maps: number): string {
  const file = path.join(dir, `${name}.txt`);
  let text = '';
  for (let i = 0; text.length < maps * 1024 - 40; i++) text += `${name}${i % 41} x${i % 13} common\n`;
  fs.writeFileSync(file, text);
  return file;
}

/** Submit a slow-count job to the daemon: `sleepMs` per line, so a 1 KiB map runs about 50 × sleepMs. */
function submit(file: string, out: string, pool: string, sleepMs: number): Promise<CliResult> {
  return bsctlAsync(['run', SLOW, '--input', file, '--output', out, '--runner', 'cluster', '--cluster', testCluster().file, '--scheduler', url, '--pool', pool, '--split-size', '1k', '--reducers', '2', '--conf', `sleep.ms=${sleepMs}`]);
}

async function expectSameAsInline(t: import('ava').ExecutionContext, file: string, out: string): Promise<void> {
  const ref = `${out}-inline`;
  await runJob({ jobModule: SLOW, input: [file], output: ref, runner: 'inline', conf: { 'sleep.ms': '0' }, reducers: 2 });
  t.is(outputLines(out), outputLines(ref));
}

/** Time-weighted running map slots of two pools while both had maps waiting and ran tasks (the scheduler's records), after `skipMs`. */
function contendedShares(history: readonly Sample[], a: string, b: string, skipMs: number): { a: number; b: number; ms: number } {
  let start: number | undefined;
  const acc = { a: 0, b: 0, ms: 0 };
  for (let i = 0; i + 1 < history.length; i++) {
    const s = history[i]!;
    const pa = s.pools[a];
    const pb = s.pools[b];
    if (!pa || !pb || pa.pending.map === 0 || pb.pending.map === 0) continue;
    // Converging starts once both pools run tasks (the first job held every slot until its tasks ended).
    if (start === undefined && (pa.running.map === 0 || pb.running.map === 0)) continue;
    start ??= s.t;
    if (s.t - start < skipMs) continue;
    const dt = history[i + 1]!.t - s.t;
    acc.a += pa.running.map * dt;
    acc.b += pb.running.map * dt;
    acc.ms += dt;
  }
  return acc;
}

test.serial('the daemon serves /scheduler (HTML) and /scheduler.json on loopback; `bsctl scheduler status` prints pools and machines', async (t) => {
  t.regex(url, /^http:\/\/127\.0\.0\.1:\d+$/);
  const page = await (await fetch(`${url}/scheduler`)).text();
  for (const s of ['<h2>Pools</h2>', '<h2>Running Jobs</h2>', '<h2>Machines</h2>', '<td>gold</td>', '<td>host1</td>']) t.true(page.includes(s), s);
  const s = await status();
  t.deepEqual(s.totalSlots, { map: 6, reduce: 3 });
  t.deepEqual(s.pools.find((p) => p.name === 'gold')?.weight, 2);
  t.is(s.allocations?.path, allocations);
  t.true(s.preemption);
  const cli = bsctl(['scheduler', 'status', '--state-dir', stateDir]);
  t.is(cli.code, 0, cli.stderr);
  t.regex(cli.stdout, /^POOL +WEIGHT/m);
  t.regex(cli.stdout, /^gold +2 /m);
  t.regex(cli.stdout, /^host2 +127\.0\.0\.2:\d+ +0\/2 +0\/1 +up$/m);
});

test.serial('two pools with weights 2:1 and a long job each: running map slots converge to 2:1 (scheduler records)', async (t) => {
  const since = Date.now();
  const gold = input('gold', 36);
  const silver = input('silver', 36);
  const [a, b] = await Promise.all([submit(gold, path.join(dir, 'gold-out'), 'gold', 20), submit(silver, path.join(dir, 'silver-out'), 'silver', 20)]);
  t.is(a.code, 0, a.stderr);
  t.is(b.code, 0, b.stderr);
  t.regex(a.stderr, /accepted by the scheduler \(pool gold\)/);
  const s = await status(since);
  const shares = contendedShares(s.history, 'gold', 'silver', 500);
  t.true(shares.ms > 3000, `contended for ${shares.ms} ms`);
  const ratio = shares.a / shares.b;
  t.log(`gold:silver running map slots while both waited = ${ratio.toFixed(2)} over ${(shares.ms / 1000).toFixed(1)} s`);
  t.true(ratio > 1.8 && ratio < 2.2, `ratio ${ratio}`);
  await expectSameAsInline(t, gold, path.join(dir, 'gold-out'));
  await expectSameAsInline(t, silver, path.join(dir, 'silver-out'));
  // The daemon recorded both jobs in its history; the clients following them wrote no records of their own.
  const history = JSON.parse(bsctl(['history', '--json', '--state-dir', stateDir]).stdout) as { pool?: string; status: string; runner: string; output: string; report?: { jobName: string } }[];
  for (const pool of ['gold', 'silver']) {
    const records = history.filter((h) => h.output === path.join(dir, `${pool}-out`));
    t.is(records.length, 1, `one record of the ${pool} job`);
    t.like(records[0], { pool, status: 'succeeded', runner: 'cluster', report: { jobName: 'slow-count' } });
  }
});

test.serial('maxRunningJobs=1: the second job of the pool waits (never fails), then runs after the first', async (t) => {
  // Both submitted at once, each long enough (maps of about 3 s) that whichever the daemon admits
  // first is still running when the other arrives: a client's start-up under load must not decide it.
  const first = submit(input('solo1', 8), path.join(dir, 'solo1-out'), 'solo', 60);
  const second = submit(input('solo2', 4), path.join(dir, 'solo2-out'), 'solo', 60);
  const { running, waiting } = await until(
    'one solo job running and the other waiting',
    async () => {
      const jobs = (await status(Date.now())).jobs.filter((j) => j.pool === 'solo');
      const run = jobs.find((j) => j.state === 'running');
      const wait = jobs.find((j) => j.state === 'waiting');
      return run && wait ? { running: run, waiting: wait } : undefined;
    },
    60_000,
  );
  t.is(waiting.firstTaskAt, undefined);
  const [a, b] = await Promise.all([first, second]);
  t.is(a.code, 0, a.stderr);
  t.is(b.code, 0, b.stderr);
  const done = (await status()).finished;
  const one = done.find((f) => f.id === running.id)!;
  const two = done.find((f) => f.id === waiting.id)!;
  t.is(one.state, 'succeeded');
  t.is(two.state, 'succeeded');
  t.true(two.firstTaskAt! >= one.finishTime, `second job's first task at ${two.firstTaskAt}, first job finished at ${one.finishTime}`);
});

test.serial('min-share preemption: a starved pool kills the youngest tasks of the pool over its share; they re-run and both jobs succeed', async (t) => {
  const since = Date.now();
  // Batch maps of about 10 s: no slot frees by itself before prod's 1 s min-share timeout.
  const batchIn = input('batch', 8);
  const batch = submit(batchIn, path.join(dir, 'batch-out'), 'batch', 200);
  await until('batch to fill the 6 map slots', async () => ((await status(Date.now())).pools.find((p) => p.name === 'batch')?.running.map === 6 ? true : undefined));
  const prodIn = input('prod', 6);
  const prod = submit(prodIn, path.join(dir, 'prod-out'), 'prod', 10);
  const record = await until('a preemption', async () => (await status(since)).preemptions.find((p) => p.killed.length > 0), 20_000);
  t.is(record.type, 'map');
  t.true(record.killed.length >= 1 && record.killed.length <= 4, `killed ${record.killed.length}`);
  const batchRunning = record.running.filter((r) => r.pool === 'batch');
  const killedStarts = batchRunning.filter((r) => record.killed.includes(r.attemptId)).map((r) => r.start);
  const keptStarts = batchRunning.filter((r) => !record.killed.includes(r.attemptId)).map((r) => r.start);
  // Both lists non-empty, or min/max of an empty list (±Infinity) would pass vacuously.
  t.is(killedStarts.length, record.killed.length, 'every preempted task was a running batch task');
  t.true(keptStarts.length > 0, 'some batch tasks kept running');
  t.true(Math.min(...killedStarts) >= Math.max(...keptStarts), 'the youngest tasks were killed');
  const [b, p] = await Promise.all([batch, prod]);
  t.is(p.code, 0, p.stderr);
  t.is(b.code, 0, b.stderr);
  t.regex(b.stderr, /attempt attempt_\S+_m_\d+_0 killed \(preempted by the fair scheduler/);
  const history = (await status(since)).history;
  t.true(history.some((s) => (s.pools.prod?.running.map ?? 0) >= 4), 'prod reached its min share of 4 map slots');
  await expectSameAsInline(t, batchIn, path.join(dir, 'batch-out'));
  await expectSameAsInline(t, prodIn, path.join(dir, 'prod-out'));
});

test.serial('the allocation file is reloaded when it changes; a broken file keeps the previous allocations', async (t) => {
  fs.writeFileSync(allocations, ALLOCATIONS.replace('<pool name="silver"><weight>1</weight>', '<pool name="silver"><weight>5</weight>'));
  await until('silver weight 5', async () => ((await status(Date.now())).pools.find((p) => p.name === 'silver')?.weight === 5 ? true : undefined), 10_000);
  fs.writeFileSync(allocations, '<allocations><pool name="x"></allocations>');
  const s = await until('the reload error', async () => {
    const st = await status(Date.now());
    return st.allocations?.error ? st : undefined;
  }, 10_000);
  t.regex(s.allocations!.error!, /fair-scheduler\.xml: invalid XML at line 1/);
  t.is(s.pools.find((p) => p.name === 'silver')?.weight, 5);
  fs.writeFileSync(allocations, ALLOCATIONS);
  await until('silver weight 1 again', async () => ((await status(Date.now())).pools.find((p) => p.name === 'silver')?.weight === 1 ? true : undefined), 10_000);
  t.pass();
});

test.serial('without a daemon at --scheduler, --runner cluster runs a private scheduler; a second `scheduler start` is refused', async (t) => {
  const file = path.join(dir, 'private.txt');
  fs.writeFileSync(file, words(500, 'p'));
  const r = bsctl(['run', 'word-count', '--input', file, '--output', path.join(dir, 'private-out'), '--runner', 'cluster', '--cluster', testCluster().file, '--scheduler', 'http://127.0.0.1:9']);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stderr, /no scheduler daemon answers at http:\/\/127\.0\.0\.1:9; running a private scheduler for this job/);
  const again = bsctl(['scheduler', 'start', '--cluster', testCluster().file, '--port', '0', '--state-dir', stateDir]);
  t.is(again.code, 1);
  t.regex(again.stderr, /a scheduler daemon already runs at http:\/\/127\.0\.0\.1:\d+ \(pid \d+\)/);
});

test.serial('`bsctl scheduler kill JOB` kills a running job: its client fails, no output appears, the record says failed', async (t) => {
  const out = path.join(dir, 'killed-out');
  const job = submit(input('victim', 12), out, 'silver', 100);
  const running = await until('the job to run', async () => (await status(Date.now())).jobs.find((j) => j.pool === 'silver' && j.attempts.length > 0));
  const k = bsctl(['scheduler', 'kill', running.id, '--state-dir', stateDir]);
  t.is(k.code, 0, k.stderr);
  const r = await job;
  t.is(r.code, 1);
  t.regex(r.stderr, /job killed: killed by the operator/);
  t.notRegex(r.stderr, /failed \d+ times|retrying/, 'a killed job\'s attempts are not retried');
  t.false(fs.existsSync(out));
  t.deepEqual(leftovers(out), []);
  const rec = (await status()).finished.find((f) => f.id === running.id);
  t.is(rec?.state, 'failed');
});

test.serial('Ctrl-C on the client leaves a submitted job running on the daemon; it finishes and commits', async (t) => {
  const out = path.join(dir, 'detached-out');
  const file = input('detached', 6);
  const args = ['run', SLOW, '--input', file, '--output', out, '--runner', 'cluster', '--cluster', testCluster().file, '--scheduler', url, '--pool', 'gold', '--split-size', '1k', '--conf', 'sleep.ms=20'];
  const child = spawn(process.execPath, [BSCTL, ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const job = await until('the job to run', async () => (await status(Date.now())).jobs.find((j) => j.pool === 'gold' && j.attempts.length > 0));
  await until('the client to be following', async () => (stderr.includes('accepted by the scheduler') ? true : undefined));
  child.kill('SIGINT');
  t.is(await exited, 130);
  t.regex(stderr, new RegExp(`${job.id} keeps running on the scheduler .*bsctl scheduler kill ${job.id}`));
  const rec = await until('the job to finish', async () => (await status()).finished.find((f) => f.id === job.id && f.state !== 'ended'));
  t.is(rec.state, 'succeeded');
  await expectSameAsInline(t, file, out);
});

test.serial('the daemon runs a job module as it is on disk at submission: an edited job runs its new code', async (t) => {
  const jobFile = path.join(dir, 'edited-job.ts');
  const api = JSON.stringify(path.join(ROOT, 'framework/job/index.ts'));
  const write = (tag: string): void =>
    fs.writeFileSync(
      jobFile,
      `import { defineJob, sum, textInput, textOutput } from ${api};\n` +
        `export default defineJob({ name: 'edited-${tag}', description: 'test', input: textInput() })\n` +
        `  .step({ map: function* (_o, line) { yield ['${tag}:' + line.length, 1] as const; }, combine: sum, reduce: function* (k, vs) { let n = 0; for (const v of vs) n += v; yield [k, n] as const; } })\n` +
        `  .output(textOutput<string, number>());\n`,
    );
  const file = path.join(dir, 'edited.txt');
  fs.writeFileSync(file, 'ab\ncd\n');
  const run = (out: string): Promise<CliResult> => bsctlAsync(['run', jobFile, '--input', file, '--output', out, '--runner', 'cluster', '--cluster', testCluster().file, '--scheduler', url]);
  write('v1');
  const one = await run(path.join(dir, 'edited-1'));
  t.is(one.code, 0, one.stderr);
  t.regex(one.stderr, /edited-v1, 1 step/);
  write('v2');
  const two = await run(path.join(dir, 'edited-2'));
  t.is(two.code, 0, two.stderr);
  t.regex(two.stderr, /edited-v2, 1 step/);
  t.is(outputLines(path.join(dir, 'edited-1')), 'v1:2\t2');
  t.is(outputLines(path.join(dir, 'edited-2')), 'v2:2\t2');
});
