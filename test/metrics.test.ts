import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { fetchStatus, readDaemonInfo } from '../framework/scheduler/client.ts';
import { historyDir, readHistory, type JobHistory } from '../framework/scheduler/history.ts';
import { DaemonMetrics } from '../framework/scheduler/metrics.ts';
import type { ScheduleRun, ScheduleView } from '../framework/scheduler/schedule-types.ts';
import type { SchedulerStatus } from '../framework/scheduler/status.ts';
import { ROOT, tempDir } from './helpers/cli.ts';
import { testCluster } from './helpers/cluster.ts';
import { Scrape, scrape } from './helpers/prometheus.ts';
import { waitFor } from './helpers/wait.ts';
import { bsctlEnv, bsctlStart, daemonLog, ownWorkDirs, stopDaemon, type TestDaemon } from './faults/daemon-helpers.ts';

// Issue 12 item 4: the scheduler daemon's `/metrics` (Prometheus text format). A real daemon over the
// sshd hosts runs a slow job, a word count, a job that fails and a full build; what /metrics says must
// be what /scheduler.json and the jobs' history records say.

const dir = tempDir('metrics');
const stateDir = path.join(dir, 'state');
// The daemon's token is in its state dir: fetchStatus here and every bsctl this file starts read it there.
process.env.BSCTL_SCHEDULER_DIR = stateDir;
const tmpdir = path.join(dir, 'daemon-tmp');
const indexRoot = path.join(dir, 'index');
const JOBS = path.join(ROOT, 'test/fixtures/jobs');
const ALLOCATIONS = `<?xml version="1.0"?>
<allocations>
  <pool name="research"><minMaps>2</minMaps><minReduces>1</minReduces><weight>2</weight></pool>
  <pool name="adhoc"><maxMaps>1</maxMaps></pool>
</allocations>
`;
let cluster = '';
let daemon: TestDaemon | undefined;
const clientEnv = (): Record<string, string> => ({ BSCTL_SCHEDULER_DIR: stateDir, TMPDIR: path.join(dir, 'client-tmp') });

test.before(() => {
  testCluster();
  ({ cluster } = ownWorkDirs(dir));
  fs.mkdirSync(path.join(dir, 'client-tmp'));
  fs.mkdirSync(tmpdir);
  const allocations = path.join(dir, 'fair-scheduler.xml');
  fs.writeFileSync(allocations, ALLOCATIONS);
  const r = bsctlEnv(['scheduler', 'start', '--cluster', cluster, '--allocations', allocations, '--port', '0', '--state-dir', stateDir, '--locality-delay', '0', '--jobs-dir', JOBS], { TMPDIR: tmpdir });
  if (r.code !== 0) throw new Error(`scheduler start failed: ${r.stderr}`);
  const info = readDaemonInfo(stateDir)!;
  daemon = { url: info.url.replace(/\/+$/, ''), pid: info.pid, stateDir, tmpdir };
});
test.after.always(() => {
  if (daemon) stopDaemon(daemon);
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A text input of about `kib` KiB. */
function input(name: string, kib: number): string {
  const file = path.join(dir, `${name}.txt`);
  let text = '';
  for (let i = 0; text.length < kib * 1024 - 40; i++) text += `${name}${i % 41} x${i % 13} common\n`;
  fs.writeFileSync(file, text);
  return file;
}

const run = (args: readonly string[]): ReturnType<typeof bsctlEnv> => bsctlEnv(['run', ...args, '--runner', 'cluster', '--cluster', cluster, '--scheduler', daemon!.url], clientEnv());
const TYPES = ['map', 'reduce'] as const;
const sum = <T>(xs: readonly T[], f: (x: T) => number): number => xs.reduce((n, x) => n + f(x), 0);

/** Running attempts of a type, and each pool's running slots, as /scheduler.json says. */
function running(s: SchedulerStatus): string {
  return JSON.stringify({ tasks: TYPES.map((t) => sum(s.jobs, (j) => j.attempts.filter((a) => a.type === t).length)), pools: s.pools.map((p) => [p.name, p.running.map, p.running.reduce]) });
}
function runningIn(m: Scrape, s: SchedulerStatus): string {
  return JSON.stringify({
    tasks: TYPES.map((type) => m.value('bsctl_tasks_running', { type })),
    pools: s.pools.map((p) => [p.name, m.value('bsctl_pool_running_slots', { pool: p.name, type: 'map' }), m.value('bsctl_pool_running_slots', { pool: p.name, type: 'reduce' })]),
  });
}

test.serial('/metrics is open, Prometheus text; while a slow job runs its tasks running and pools\' running slots are the scheduler\'s', async (t) => {
  const d = daemon!;
  const m = await scrape(d.url);
  t.regex(m.contentType, /^text\/plain/);
  t.is(m.types.get('bsctl_task_attempts_total'), 'counter');
  t.is(m.types.get('bsctl_jobs'), 'gauge');
  // prom-client's default metrics, on the daemon's registry with the bsctl_ prefix.
  t.true((m.value('bsctl_process_resident_memory_bytes') ?? 0) > 0);
  const s = await fetchStatus(d.url);
  t.deepEqual(TYPES.map((type) => m.value('bsctl_slots', { type })), [s.totalSlots.map, s.totalSlots.reduce]);
  t.is(m.value('bsctl_machines', { state: 'up' }), 3);

  const job = bsctlStart(['run', path.join(JOBS, 'slow-count.ts'), '--input', input('slow', 12), '--output', path.join(dir, 'slow-out'), '--split-size', '1k', '--reducers', '2', '--conf', 'sleep.ms=20', '--pool', 'research', '--runner', 'cluster', '--cluster', cluster, '--scheduler', d.url], clientEnv());
  // A moment the scheduler held still (the same before and after the scrape) with tasks running.
  const seen = await waitFor(
    async () => {
      if (job.child.exitCode !== null) throw new Error(`the slow job ended (${job.child.exitCode}) before it was seen running:\n${job.stderr()}\n${daemonLog(d)}`);
      const before = await fetchStatus(d.url);
      const metrics = await scrape(d.url);
      const after = await fetchStatus(d.url);
      const mapsRunning = sum(before.jobs, (j) => j.attempts.filter((a) => a.type === 'map').length);
      if (mapsRunning === 0 || running(before) !== running(after)) return undefined;
      return { metrics, status: after };
    },
    { what: 'the slow job\'s map attempts running', timeoutMs: 120_000, intervalMs: 50 },
  );
  t.is(runningIn(seen.metrics, seen.status), running(seen.status));
  t.is(seen.metrics.value('bsctl_jobs', { state: 'running' }), seen.status.jobs.filter((j) => j.state === 'running').length);
  t.true((seen.metrics.value('bsctl_pool_running_slots', { pool: 'research', type: 'map' }) ?? 0) > 0);
  const r = await job.done;
  t.is(r.code, 0, r.stderr);
});

test.serial('after a word count, a failed job and a full build, /metrics equals the history records and /scheduler.json', async (t) => {
  const d = daemon!;
  const wc = run(['word-count', '--input', input('words', 6), '--output', path.join(dir, 'wc-out'), '--split-size', '1k', '--reducers', '3', '--pool', 'research']);
  t.is(wc.code, 0, wc.stderr);
  const fails = run([path.join(JOBS, 'always-fails.ts'), '--input', input('fails', 1), '--output', path.join(dir, 'fails-out'), '--pool', 'adhoc']);
  t.not(fails.code, 0, 'always-fails fails');
  const build = run(['full-build', '--table', 'in1', '--schema', path.join(ROOT, 'fixtures/in1/schema.json'), '--data', path.join(ROOT, 'fixtures/in1/data/docs.ha3'), '--partitions', '2', '--index-root', indexRoot]);
  t.is(build.code, 0, build.stderr);

  const m = await scrape(d.url);
  const s = await fetchStatus(d.url);
  const records: JobHistory[] = readHistory(historyDir(stateDir), (w) => t.fail(w));
  t.is(records.length, 4, records.map((r) => `${r.jobId} ${r.name} ${r.status}`).join('\n'));

  // Jobs ended, by status.
  for (const status of ['succeeded', 'failed'] as const) t.is(m.value('bsctl_jobs_ended_total', { status }), records.filter((r) => r.status === status).length, status);
  t.is(m.value('bsctl_jobs_ended_total', { status: 'succeeded' }), 3);
  // Task attempts by type and status, and the speculative ones: every attempt the records kept.
  const attempts = records.flatMap((r) => r.attempts ?? []);
  t.true(records.every((r) => !r.attemptsDropped));
  for (const type of TYPES) {
    for (const status of ['succeeded', 'failed', 'killed'] as const) t.is(m.value('bsctl_task_attempts_total', { type, status }), attempts.filter((a) => a.type === type && a.status === status).length, `${type} ${status}`);
    t.is(m.value('bsctl_task_attempts_speculative_total', { type }), attempts.filter((a) => a.type === type && a.speculative).length, `${type} speculative`);
  }
  t.true((m.value('bsctl_task_attempts_total', { type: 'map', status: 'failed' }) ?? 0) > 0, 'always-fails\' attempts failed');
  // Bytes: the succeeded jobs' File System Counters; shuffled: what their succeeded reduce attempts fetched.
  const counter = (r: JobHistory, name: string): number => r.report?.counters['File System Counters']?.[name] ?? 0;
  t.is(m.value('bsctl_bytes_read_total'), sum(records, (r) => counter(r, 'Bytes read')));
  t.is(m.value('bsctl_bytes_written_total'), sum(records, (r) => counter(r, 'Bytes written')));
  t.true((m.value('bsctl_bytes_read_total') ?? 0) > 0 && (m.value('bsctl_bytes_written_total') ?? 0) > 0);
  const shuffled = sum(
    attempts.filter((a) => a.type === 'reduce' && a.status === 'succeeded'),
    (a) => a.bytesIn,
  );
  t.is(m.value('bsctl_bytes_shuffled_total'), shuffled);
  t.true(shuffled > 0);
  t.is(m.value('bsctl_bad_records_total'), sum(records, (r) => r.report?.badRecordCount ?? 0));
  // The table's last successful build: its generation (the one on disk), end time and duration.
  const b = records.find((r) => r.table === 'in1')!;
  const generations = fs.readdirSync(path.join(indexRoot, 'in1')).filter((n) => /^generation_\d+$/.test(n));
  t.deepEqual(generations, [`generation_${b.generation}`]);
  t.is(m.value('bsctl_build_last_generation', { table: 'in1' }), b.generation);
  t.is(m.value('bsctl_build_last_success_timestamp_seconds', { table: 'in1' }), b.finishTime / 1000);
  t.is(m.value('bsctl_build_duration_seconds', { table: 'in1' }), (b.finishTime - b.startTime) / 1000);
  t.is(m.value('bsctl_builds_total', { table: 'in1', status: 'succeeded' }), 1);
  // Pools' slots: min share, fair share, running, demand, as /scheduler.json has them (all idle now).
  t.true(s.pools.some((p) => p.name === 'research' && p.minShare.map === 2 && p.minShare.reduce === 1));
  for (const p of s.pools) {
    for (const type of TYPES) {
      const got = ['min_share', 'fair_share', 'running', 'demand'].map((w) => m.value(`bsctl_pool_${w}_slots`, { pool: p.name, type }));
      t.deepEqual(got, [p.minShare[type], p.fairShare[type], p.running[type], p.demand[type]], `${p.name} ${type}`);
    }
  }
  t.deepEqual(new Set(m.all('bsctl_pool_min_share_slots').map((x) => x.labels.pool)), new Set(s.pools.map((p) => p.name)));
  for (const state of ['running', 'waiting'] as const) t.is(m.value('bsctl_jobs', { state }), s.jobs.filter((j) => j.state === state).length);
});

// The schedules' metrics, fed directly (the daemon's schedules are wired in separately).
const view = (name: string, lastRun: ScheduleRun | undefined, nextRun: number | undefined): ScheduleView => ({ name, cron: '0 2 * * *', args: ['run', 'full-build', '--table', 'in1'], cwd: ROOT, paused: nextRun === undefined, createdAt: 0, nextRun, lastRun, running: false });
const scheduleRun = (schedule: string, n: number, scheduledFor: number, start: number, outcome: ScheduleRun['outcome'] = 'running'): ScheduleRun => ({ schedule, runId: `run_${schedule}_${n}`, scheduledFor, start, outcome, late: start > scheduledFor, trigger: 'cron', jobIds: [], log: '' });
const idle: SchedulerStatus = { now: 0, allocations: undefined, preemption: false, totalSlots: { map: 0, reduce: 0 }, pools: [], hosts: [], jobs: [], finished: [], preemptions: [], history: [] };

test('schedules: lateness is start − scheduled time of the last run that started; skipped runs are counted once; next fire time; a removed schedule goes', async (t) => {
  let views: ScheduleView[] = [];
  const metrics = new DaemonMetrics({ status: () => idle, schedules: () => views });
  const T = 1_800_000_000_000;
  // "nightly" ran 90 s late per its list; "hourly" ran on time, then a run was skipped (reported twice).
  views = [view('nightly', scheduleRun('nightly', 1, T, T + 90_000, 'succeeded'), T + 86_400_000), view('hourly', undefined, undefined)];
  metrics.scheduleRun(scheduleRun('hourly', 1, T, T));
  metrics.scheduleRun(scheduleRun('hourly', 2, T + 3_600_000, T + 3_600_000, 'skipped'));
  metrics.scheduleRun(scheduleRun('hourly', 2, T + 3_600_000, T + 3_600_000, 'skipped'));
  let m = new Scrape(await metrics.render());
  t.is(m.value('bsctl_schedule_lateness_seconds', { schedule: 'nightly' }), 90);
  t.is(m.value('bsctl_schedule_lateness_seconds', { schedule: 'hourly' }), 0);
  t.is(m.value('bsctl_schedule_runs_skipped_total', { schedule: 'hourly' }), 1);
  t.is(m.value('bsctl_schedule_runs_skipped_total', { schedule: 'nightly' }), undefined);
  t.is(m.value('bsctl_schedule_next_run_timestamp_seconds', { schedule: 'nightly' }), (T + 86_400_000) / 1000);
  t.is(m.value('bsctl_schedule_next_run_timestamp_seconds', { schedule: 'hourly' }), undefined, 'paused: no next run');
  // A later run reported by the daemon (a catch-up 20 minutes late) replaces the listed one; the list catching up later does not go back.
  metrics.scheduleRun(scheduleRun('nightly', 2, T + 86_400_000, T + 86_400_000 + 1_200_000));
  m = new Scrape(await metrics.render());
  t.is(m.value('bsctl_schedule_lateness_seconds', { schedule: 'nightly' }), 1200);
  views = [view('nightly', scheduleRun('nightly', 2, T + 86_400_000, T + 86_400_000 + 1_200_000, 'succeeded'), T + 2 * 86_400_000)];
  m = new Scrape(await metrics.render());
  t.is(m.value('bsctl_schedule_lateness_seconds', { schedule: 'nightly' }), 1200);
  t.is(m.value('bsctl_schedule_lateness_seconds', { schedule: 'hourly' }), undefined, 'hourly was removed');
  t.is(m.value('bsctl_schedule_runs_skipped_total', { schedule: 'hourly' }), 1, 'a counter stays');
});

test('the metrics of two daemons in one process are apart (a registry each, not the global one)', async (t) => {
  const a = new DaemonMetrics({ status: () => idle, schedules: () => [] });
  const b = new DaemonMetrics({ status: () => idle, schedules: () => [] });
  a.attemptEnded({ attemptId: 'attempt_1_m_000000_0', taskId: 'task_1_m_000000', type: 'map', step: 0, machine: 'host1', speculative: true, launched: 0, start: 0, end: 1, status: 'killed', bytesIn: 10, bytesOut: 0 });
  t.is(new Scrape(await a.render()).value('bsctl_task_attempts_total', { type: 'map', status: 'killed' }), 1);
  t.is(new Scrape(await a.render()).value('bsctl_task_attempts_speculative_total', { type: 'map' }), 1);
  t.is(new Scrape(await b.render()).value('bsctl_task_attempts_total', { type: 'map', status: 'killed' }), 0);
});
