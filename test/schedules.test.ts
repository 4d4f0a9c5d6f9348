/**
 * Scheduled builds (issue 12 item 1): cron schedules in the scheduler daemon (croner), persisted in its
 * state dir, a missed fire run once at start-up within the grace window (late), never two runs of one
 * schedule at once, each run's jobs in history marked with it; on a daemon without machines (local
 * runner) and on one with the SSH cluster (the jobs go to its pools).
 */
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { cronOf } from '../framework/scheduler/schedules.ts';
import type { ScheduleRun, ScheduleView } from '../framework/scheduler/schedule-types.ts';
import { bsctl, errorLines, ROOT, tempDir } from './helpers/cli.ts';
import { testCluster } from './helpers/cluster.ts';
import { waitFor } from './helpers/wait.ts';
import { alive } from './faults/daemon-helpers.ts';
import { clientToken } from '../framework/scheduler/auth.ts';
import { readDaemonInfo } from '../framework/scheduler/client.ts';
import { ScheduleClient } from '../framework/scheduler/schedule-client.ts';

const dir = tempDir('schedules');
test.after.always(() => {
  for (const d of fs.readdirSync(dir)) if (fs.existsSync(path.join(dir, d, 'daemon.json'))) bsctl(['scheduler', 'stop', '--state-dir', path.join(dir, d)]);
  fs.rmSync(dir, { recursive: true, force: true });
});

const FIXTURES = path.join(ROOT, 'test/fixtures/jobs');
const input = path.join(dir, 'words.txt');
fs.writeFileSync(input, 'a b a\nc\n');

/** A daemon of its own (state dir `dir/<name>`), started as operators do; returns its state dir. */
function daemon(name: string, ...flags: string[]): string {
  const stateDir = path.join(dir, name);
  const r = bsctl(['scheduler', 'start', '--port', '0', '--state-dir', stateDir, '--jobs-dir', FIXTURES, ...flags]);
  if (r.code !== 0) throw new Error(`scheduler start: ${r.stderr}`);
  return stateDir;
}

/** `bsctl schedule ACTION --state-dir ... REST` (the state dir before a `--`), run in the test's dir. */
const schedule = (stateDir: string, action: string, ...args: string[]) => bsctl(['schedule', action, '--state-dir', stateDir, ...args], { cwd: dir });
/** The daemon's API, in this process (polling through the CLI would start a process a poll). */
const api = (stateDir: string): ScheduleClient => new ScheduleClient(readDaemonInfo(stateDir)!.url, stateDir);
const views = (stateDir: string): Promise<ScheduleView[]> => api(stateDir).list();
const runsOf = (stateDir: string, name: string): Promise<ScheduleRun[]> => api(stateDir).runs(name);
interface Record {
  jobId: string;
  status: string;
  runner: string;
  pool?: string;
  table?: string;
  generation?: number;
  schedule?: { name: string; runId: string; late: boolean };
}
const history = (stateDir: string): Record[] => JSON.parse(bsctl(['history', '--json', '--state-dir', stateDir]).stdout) as Record[];

test('croner reads the expression in the schedule\'s time zone, DST gaps included; bad expressions and zones are clear errors', (t) => {
  // 02:00 in Shanghai (UTC+8, no DST) is 18:00 UTC the day before.
  t.deepEqual(cronOf('0 2 * * *', 'Asia/Shanghai').nextRuns(2, new Date('2027-03-13T12:00:00Z')).map((d) => d.toISOString()), ['2027-03-13T18:00:00.000Z', '2027-03-14T18:00:00.000Z']);
  // New York springs forward at 02:00 on 2027-03-14: 02:30 does not exist that day, and runs at 03:00 EDT.
  t.deepEqual(cronOf('30 2 * * *', 'America/New_York').nextRuns(3, new Date('2027-03-13T12:00:00Z')).map((d) => d.toISOString()), ['2027-03-14T07:00:00.000Z', '2027-03-15T06:30:00.000Z', '2027-03-16T06:30:00.000Z']);
  t.throws(() => cronOf('61 * * * *'), { message: /--cron: "61 \* \* \* \*" is not a cron expression.*minute/ });
  t.throws(() => cronOf('* * *'), { message: /--cron: .*5 fields/ });
  t.throws(() => cronOf('0 2 * * *', 'Mars/Olympus'), { message: /--tz: unknown time zone "Mars\/Olympus"/ });
});

test.serial('without machines: a schedule runs its job on the local runner, each run and its job recorded; ls shows the next run and the last outcome; pause stops it; it survives a restart and a missed fire runs late', async (t) => {
  const stateDir = daemon('local');
  const out = path.join(dir, 'wc-out');
  const add = schedule(stateDir, 'add', 'wc', '--cron', '*/2 * * * * *', '--', 'run', 'word-count', '--input', 'words.txt', '--output', out, '--overwrite', '--runner', 'inline');
  t.is(add.code, 0, add.stderr);
  t.regex(add.stdout, /schedule wc added: \*\/2 \* \* \* \* \*; next run \d{4}-/);
  const run = await waitFor(async () => (await runsOf(stateDir, 'wc')).find((r) => r.outcome === 'succeeded'), { what: 'a succeeded run of wc' });
  t.is(run.trigger, 'cron');
  t.false(run.late);
  t.is(run.jobIds.length, 1);
  t.true(run.start >= run.scheduledFor);
  t.regex(fs.readFileSync(run.log, 'utf8'), /Map input records=2/);
  t.true(fs.readdirSync(out).some((f) => f.startsWith('part-')), 'the run published its output');
  const job = history(stateDir).find((h) => h.jobId === run.jobIds[0]);
  t.like(job, { status: 'succeeded', runner: 'inline', schedule: { name: 'wc', runId: run.runId, late: false } });
  const ls = schedule(stateDir, 'ls');
  t.regex(ls.stdout, /^wc +\*\/2 \* \* \* \* \* +- +(active|running) +\d{4}-\S+ +bsctl run word-count .* (succeeded|running|failed)/m);

  t.is(schedule(stateDir, 'pause', 'wc').code, 0);
  const paused = (await views(stateDir))[0]!;
  t.true(paused.paused);
  t.is(paused.nextRun, undefined);
  await waitFor(async () => !(await views(stateDir))[0]!.running, { what: 'the run under way to end' });
  const before = (await runsOf(stateDir, 'wc')).length;
  // Two fire times pass while paused: no run.
  const until = Date.now() + 4500;
  await waitFor(() => Date.now() > until, { what: 'two fire times to pass', timeoutMs: 10_000 });
  t.is((await runsOf(stateDir, 'wc')).length, before, 'a paused schedule does not run');

  // A restart: the schedule is still there (paused, as it was); resumed, it runs again. Then the daemon
  // is down over a fire time: at the next start that fire runs once, late.
  t.is(bsctl(['scheduler', 'stop', '--state-dir', stateDir]).code, 0);
  daemon('local');
  t.like((await views(stateDir))[0], { name: 'wc', paused: true });
  t.is(schedule(stateDir, 'resume', 'wc').code, 0);
  t.is(bsctl(['scheduler', 'stop', '--state-dir', stateDir]).code, 0);
  const stopped = Date.now();
  await waitFor(() => Date.now() - stopped > 2500, { what: 'a fire time to pass while the daemon is down', timeoutMs: 10_000 });
  daemon('local');
  const late = await waitFor(async () => (await runsOf(stateDir, 'wc')).find((r) => r.trigger === 'catch-up' && r.outcome !== 'running'), { what: 'the catch-up run' });
  t.true(late.late);
  t.is(late.outcome, 'succeeded', late.reason);
  t.true(late.scheduledFor > stopped && late.scheduledFor < late.start, 'it stands for the fire time missed');
  t.like(history(stateDir).find((h) => h.jobId === late.jobIds[0]), { schedule: { name: 'wc', late: true } });
  t.is((await runsOf(stateDir, 'wc')).filter((r) => r.trigger === 'catch-up').length, 1, 'several missed fires run once');
  t.is(bsctl(['scheduler', 'stop', '--state-dir', stateDir]).code, 0);
});

test.serial('a fire missed beyond the grace window is recorded as skipped, not run', async (t) => {
  const stateDir = daemon('grace', '--schedule-grace', '1s');
  const add = schedule(stateDir, 'add', 'g', '--cron', '0 0 1 1 *', '--', 'run', 'word-count', '--input', 'words.txt', '--output', path.join(dir, 'g-out'), '--overwrite', '--runner', 'inline');
  t.is(add.code, 0, add.stderr);
  t.is(bsctl(['scheduler', 'stop', '--state-dir', stateDir]).code, 0);
  // While the daemon is down, the schedule becomes "once a minute at second S", S 2.5 s ago and after
  // the schedule was added (however slow the machine): a fire missed beyond the 1 s grace window.
  const file = path.join(stateDir, 'schedules.json');
  const [spec] = JSON.parse(fs.readFileSync(file, 'utf8')) as { createdAt: number; cron: string }[];
  await waitFor(() => Date.now() > spec!.createdAt + 4000, { what: 'a fire time after the schedule was added', timeoutMs: 15_000 });
  const fire = Math.floor((Date.now() - 2500) / 1000) * 1000;
  fs.writeFileSync(file, JSON.stringify([{ ...spec, cron: `${new Date(fire).getUTCSeconds()} * * * * *` }]));
  daemon('grace', '--schedule-grace', '1s');
  const skipped = await waitFor(async () => (await runsOf(stateDir, 'g')).find((r) => r.trigger === 'catch-up'), { what: 'the catch-up record' });
  t.like(skipped, { outcome: 'skipped', late: false, scheduledFor: fire });
  t.regex(skipped.reason ?? '', /missed while the scheduler daemon was down \(\d+ s ago, beyond the 1 s grace window\)/);
  t.true((await runsOf(stateDir, 'g')).every((r) => r.trigger !== 'catch-up' || r.outcome === 'skipped'), 'nothing caught up');
  t.is(bsctl(['scheduler', 'stop', '--state-dir', stateDir]).code, 0);
});

test.serial('never two runs of one schedule at once: a fire while a run is going is skipped and recorded; stopping the daemon stops the run, nothing published', async (t) => {
  const stateDir = daemon('overlap');
  const markers = path.join(dir, 'markers');
  fs.mkdirSync(markers);
  const out = path.join(dir, 'never');
  const job = path.join(FIXTURES, 'blocks-forever.ts');
  t.is(schedule(stateDir, 'add', 'slow', '--cron', '* * * * * *', '--', 'run', job, '--input', input, '--output', out, '--runner', 'local', '--workers', '1', '--conf', `marker.dir=${markers}`).code, 0);
  const skipped = await waitFor(async () => (await runsOf(stateDir, 'slow')).find((r) => r.outcome === 'skipped'), { what: 'a skipped fire' });
  const runs = (await runsOf(stateDir, 'slow'));
  const running = runs.filter((r) => r.outcome === 'running');
  t.is(running.length, 1);
  t.is(skipped.reason, `the previous run ${running[0]!.runId} is still running`);
  const worker = Number(await waitFor(() => fs.readdirSync(markers)[0], { what: 'the blocked worker' }));
  // run-now is skipped the same way, and says so.
  const now = schedule(stateDir, 'run-now', 'slow');
  t.is(now.code, 1);
  t.regex(errorLines(now.stderr)[0] ?? '', new RegExp(`schedule slow: run_slow_\\S+ skipped: the previous run ${running[0]!.runId} is still running`));
  // Past the 100 runs a schedule keeps, the run under way is still known: still one run at a time.
  const { url } = readDaemonInfo(stateDir)!;
  const token = clientToken(stateDir)!;
  for (let i = 0; i < 105; i++) {
    const res = await fetch(`${url}/schedules/slow/run-now`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}' });
    t.is(((await res.json()) as ScheduleRun).outcome, 'skipped');
  }
  const kept = (await runsOf(stateDir, 'slow'));
  t.is(kept.length, 100);
  t.deepEqual(kept.filter((r) => r.outcome === 'running').map((r) => r.runId), [running[0]!.runId]);
  // Removed while its run goes on, the name cannot be added again until that run has ended.
  t.is(schedule(stateDir, 'rm', 'slow').code, 0);
  const again = schedule(stateDir, 'add', 'slow', '--cron', '0 2 * * *', '--', 'run', job, '--input', input, '--output', out);
  t.is(again.code, 1);
  t.regex(errorLines(again.stderr)[0] ?? '', /409 schedule slow was removed while its run run_slow_\S+ was going; add it again once that run has ended/);
  t.is(bsctl(['scheduler', 'stop', '--state-dir', stateDir]).code, 0);
  // The removed schedule's run was stopped with the daemon, and its records went with it.
  t.false(fs.existsSync(path.join(stateDir, 'schedules', 'slow')));
  await waitFor(() => !alive(worker), { what: `the run's worker (pid ${worker}) to exit` });
  t.false(fs.existsSync(out), 'nothing published');
});

test.serial('bad schedules are refused before anything runs: a command that is not a run, a job outside the job dirs, unknown run flags, a bad name, an unknown schedule', async (t) => {
  const stateDir = daemon('bad');
  const cases: [string[], RegExp][] = [
    [['add', 'x', '--cron', '0 2 * * *', '--', 'fs', 'rm', '/'], /the command after -- must be a job run/],
    [['add', 'x', '--cron', '0 2 * * *', '--', 'run', 'word-count', '--input', 'a', '--output', 'b', '--no-such-flag'], /the command `bsctl run word-count .*`: Unknown arguments?: .*such-flag/],
    [['add', 'x', '--', 'run', 'word-count', '-i', 'a', '-o', 'b'], /--cron is required/],
    [['add', '../x', '--cron', '0 2 * * *', '--', 'run', 'word-count', '-i', 'a', '-o', 'b'], /invalid name "\.\.\/x"/],
    [['rm', 'nope'], /404 no schedule "nope"/],
    [['add', 'x', '--cron', '0 2 * * *', '--pool', 'a', '--', 'run', 'word-count', '-i', 'a', '-o', 'b', '--pool', 'b'], /400 schedule add: --pool: given both to schedule add and in the command/],
  ];
  for (const [args, re] of cases) {
    const r = schedule(stateDir, args[0]!, ...args.slice(1));
    t.is(r.code, 1, args.join(' '));
    t.regex(errorLines(r.stderr)[0] ?? '', re, args.join(' '));
  }
  // A module outside the daemon's job dirs is refused by the daemon itself.
  const outside = path.join(dir, 'own-job.ts');
  fs.copyFileSync(path.join(FIXTURES, 'map-only.ts'), outside);
  fs.writeFileSync(outside, fs.readFileSync(outside, 'utf8').replaceAll("'../../../framework/", `'${ROOT}/framework/`));
  const r = schedule(stateDir, 'add', 'own', '--cron', '0 2 * * *', '--', 'run', outside, '-i', 'a', '-o', 'b');
  t.is(r.code, 1, r.stdout);
  t.regex(errorLines(r.stderr)[0] ?? '', /403 schedule add: the job .*own-job\.ts is not in a job directory this daemon allows/);
  t.deepEqual((await views(stateDir)), []);
  t.is(bsctl(['scheduler', 'stop', '--state-dir', stateDir]).code, 0);
});

test.serial('with machines: a scheduled full build goes to the daemon\'s pool on the SSH hosts and publishes a generation, recorded with its schedule', async (t) => {
  const cluster = testCluster().file;
  const stateDir = daemon('cluster', '--cluster', cluster, '--locality-delay', '0');
  const root = path.join(dir, 'index');
  const add = schedule(stateDir, 'add', 'nightly', '--cron', '0 2 * * *', '--tz', 'Asia/Shanghai', '--pool', 'builds', '--', 'run', 'full-build', '--table', 'sched', '--schema', path.join(ROOT, 'fixtures/in1/schema.json'), '--data', path.join(ROOT, 'fixtures/in1/data'), '--index-root', root, '--partitions', '2');
  t.is(add.code, 0, add.stderr);
  const view = (await views(stateDir))[0]!;
  t.is(view.tz, 'Asia/Shanghai');
  t.is(new Date(view.nextRun!).toISOString().slice(11), '18:00:00.000Z', '02:00 in Shanghai');
  t.is(schedule(stateDir, 'run-now', 'nightly').code, 0);
  const run = await waitFor(async () => (await runsOf(stateDir, 'nightly')).find((r) => r.outcome !== 'running'), { what: 'the run-now run', timeoutMs: 120_000 });
  t.is(run.outcome, 'succeeded', `${run.reason}\n${fs.readFileSync(run.log, 'utf8')}`);
  const build = history(stateDir).find((h) => h.schedule?.runId === run.runId);
  t.like(build, { status: 'succeeded', runner: 'cluster', pool: 'builds', table: 'sched', generation: 0 });
  t.deepEqual(run.jobIds, [build!.jobId]);
  t.true(fs.existsSync(path.join(root, 'sched', 'generation_0')));
  t.is(bsctl(['scheduler', 'stop', '--state-dir', stateDir]).code, 0);
});

test.serial('a state dir with a broken schedule: a schedules.json entry that no longer parses stops the start (naming it), nothing listens; a corrupt runs.json is set aside with a warning', async (t) => {
  const stateDir = path.join(dir, 'broken');
  fs.mkdirSync(path.join(stateDir, 'schedules', 'ok'), { recursive: true });
  const spec = (name: string, cron: string) => ({ name, cron, args: ['run', 'word-count', '-i', 'a', '-o', 'b'], cwd: dir, paused: true, createdAt: Date.now() });
  fs.writeFileSync(path.join(stateDir, 'schedules.json'), JSON.stringify([spec('ok', '0 2 * * *'), spec('bad', '0 99 * * *')]));
  const r = bsctl(['scheduler', 'start', '--port', '0', '--state-dir', stateDir]);
  t.is(r.code, 1);
  t.regex(r.stderr, /schedules\.json: schedule bad: --cron: "0 99 \* \* \*" is not a cron expression/);
  t.false(fs.existsSync(path.join(stateDir, 'daemon.json')), 'no half-started daemon');
  t.is(JSON.parse(fs.readFileSync(path.join(stateDir, 'schedules.json'), 'utf8')).length, 2, 'the schedules are left as they were');

  fs.writeFileSync(path.join(stateDir, 'schedules.json'), JSON.stringify([spec('ok', '0 2 * * *')]));
  fs.writeFileSync(path.join(stateDir, 'schedules', 'ok', 'runs.json'), '{broken');
  daemon('broken');
  t.like((await views(stateDir))[0], { name: 'ok', paused: true });
  t.regex(fs.readFileSync(path.join(stateDir, 'scheduler.log'), 'utf8'), /warning: schedule ok: .*runs\.json: .*set aside as .*runs\.json\.corrupt-\d+/);
  t.true(fs.readdirSync(path.join(stateDir, 'schedules', 'ok')).some((f) => f.startsWith('runs.json.corrupt-')));
  t.is(bsctl(['scheduler', 'stop', '--state-dir', stateDir]).code, 0);
});

test.serial('a daemon killed during a run: the restarted daemon finds the run still going (no second run beside it) and records how it ended', async (t) => {
  const stateDir = daemon('crash');
  const markers = path.join(dir, 'crash-markers');
  fs.mkdirSync(markers);
  t.is(schedule(stateDir, 'add', 'c', '--cron', '0 2 * * *', '--', 'run', path.join(FIXTURES, 'blocks-forever.ts'), '--input', input, '--output', path.join(dir, 'crash-out'), '--runner', 'local', '--workers', '1', '--conf', `marker.dir=${markers}`).code, 0);
  t.is(schedule(stateDir, 'run-now', 'c').code, 0);
  await waitFor(() => fs.readdirSync(markers)[0], { what: 'the run\'s blocked worker' });
  const first = (await runsOf(stateDir, 'c'))[0]!;
  t.truthy(first.pid);
  const { pid } = readDaemonInfo(stateDir)!;
  process.kill(pid, 'SIGKILL');
  await waitFor(() => !alive(pid), { what: 'the daemon to die' });
  t.true(alive(first.pid!), 'its bsctl run goes on');
  daemon('crash');
  t.like((await runsOf(stateDir, 'c')).find((r) => r.runId === first.runId), { outcome: 'running' });
  const now = schedule(stateDir, 'run-now', 'c');
  t.is(now.code, 1);
  t.regex(now.stderr, new RegExp(`the previous run ${first.runId} is still running`));
  process.kill(first.pid!, 'SIGTERM');
  const ended = await waitFor(async () => (await runsOf(stateDir, 'c')).find((r) => r.runId === first.runId && r.outcome !== 'running'), { what: 'the adopted run to end' });
  t.is(ended.outcome, 'failed');
  t.regex(ended.reason ?? '', /the scheduler daemon restarted during this run/);
  t.is(bsctl(['scheduler', 'stop', '--state-dir', stateDir]).code, 0);
});

test.serial('a schedule firing every 20 s (6-field cron) runs the full build at each fire: two runs, two generations published, each recorded with its run and the fire time it answers', async (t) => {
  const stateDir = daemon('minutely');
  const root = path.join(dir, 'minutely-index');
  const add = schedule(stateDir, 'add', 'every-20s', '--cron', '*/20 * * * * *', '--', 'run', 'full-build', '--table', 'minutely', '--schema', path.join(ROOT, 'fixtures/in1/schema.json'), '--data', path.join(ROOT, 'fixtures/in1/data'), '--index-root', root, '--runner', 'inline');
  t.is(add.code, 0, add.stderr);
  const runs = await waitFor(async () => {
    const done = (await runsOf(stateDir, 'every-20s')).filter((r) => r.outcome !== 'running');
    return done.length >= 2 ? done : undefined;
  }, { what: 'two fires of the every-20-s schedule', timeoutMs: 90_000, intervalMs: 500 });
  t.deepEqual(runs.map((r) => [r.trigger, r.outcome]), [['cron', 'succeeded'], ['cron', 'succeeded']], runs.map((r) => r.reason).join('; '));
  // The fire times themselves, even if a callback came late on a busy machine (croner's currentRun()
  // is the call's time: under CI load two runs were once recorded 16 s apart).
  t.is(runs[1]!.scheduledFor - runs[0]!.scheduledFor, 20_000, '20 s apart');
  t.true(runs.every((r) => new Date(r.scheduledFor).getUTCSeconds() % 20 === 0 && r.scheduledFor % 1000 === 0));
  const builds = history(stateDir).filter((h) => h.table === 'minutely');
  t.deepEqual(builds.map((b) => [b.generation, b.schedule?.runId]).sort(), [[0, runs[0]!.runId], [1, runs[1]!.runId]]);
  t.true(fs.existsSync(path.join(root, 'minutely', 'generation_1')));
  t.is(bsctl(['scheduler', 'stop', '--state-dir', stateDir]).code, 0);
});
