import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { readDaemonInfo } from '../framework/scheduler/client.ts';
import { gangliaValues, startGangliaSink } from '../framework/scheduler/ganglia.ts';
import { DaemonMetrics, type MetricSnapshot } from '../framework/scheduler/metrics.ts';
import type { SchedulerStatus } from '../framework/scheduler/status.ts';
import { tempDir } from './helpers/cli.ts';
import { testCluster } from './helpers/cluster.ts';
import { gmondMetrics, gmondScript, gmondXml, startGmond, type Gmond, type GmondMetric } from './helpers/gmond.ts';
import { scrape } from './helpers/prometheus.ts';
import { waitFor } from './helpers/wait.ts';
import { bsctlEnv, daemonLog, ownWorkDirs, stopDaemon, type TestDaemon } from './faults/daemon-helpers.ts';

// Issue 12 item 4: the daemon's Ganglia sink (`bsctl scheduler start --ganglia HOST:PORT`), gmetric 3.1
// over UDP, read back from a real gmond's XML (scripts/gmond: Debian's ganglia-monitor on loopback).

const dir = tempDir('ganglia');
const stateDir = path.join(dir, 'state');
process.env.BSCTL_SCHEDULER_DIR = stateDir;
const ALLOCATIONS = '<?xml version="1.0"?>\n<allocations><pool name="research"><minMaps>2</minMaps></pool></allocations>\n';
let gmond: Gmond | undefined;
let daemon: TestDaemon | undefined;
let cluster = '';

test.before(() => {
  gmond = startGmond(path.join(dir, 'gmond'));
  testCluster();
  ({ cluster } = ownWorkDirs(dir));
  const allocations = path.join(dir, 'fair-scheduler.xml');
  fs.writeFileSync(allocations, ALLOCATIONS);
  fs.mkdirSync(path.join(dir, 'tmp'));
  const args = ['scheduler', 'start', '--cluster', cluster, '--allocations', allocations, '--port', '0', '--state-dir', stateDir, '--locality-delay', '0', '--ganglia', `${gmond.host}:${gmond.udpPort}`, '--ganglia-period', '1'];
  const r = bsctlEnv(args, { TMPDIR: path.join(dir, 'tmp') });
  if (r.code !== 0) throw new Error(`scheduler start failed: ${r.stderr}`);
  const info = readDaemonInfo(stateDir)!;
  daemon = { url: info.url.replace(/\/+$/, ''), pid: info.pid, stateDir, tmpdir: path.join(dir, 'tmp') };
});
test.after.always(() => {
  if (daemon) stopDaemon(daemon);
  if (gmond) gmondScript(gmond.env, 'stop');
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Wait until gmond's XML has every one of `want` (Ganglia name → value); the last XML seen goes into the timeout's message. */
async function untilGmondHas(want: Readonly<Record<string, number>>, what: string): Promise<Map<string, GmondMetric>> {
  let last = new Map<string, GmondMetric>();
  try {
    return await waitFor(
      async () => {
        last = gmondMetrics(await gmondXml(gmond!));
        return Object.entries(want).every(([n, v]) => last.has(n) && Number(last.get(n)!.val) === v) && last;
      },
      { what, timeoutMs: 30_000, intervalMs: 200 },
    );
  } catch (err) {
    const seen = Object.keys(want).map((n) => `${n}: gmond has ${last.get(n)?.val ?? 'nothing'}, want ${want[n]}`);
    throw new Error(`${(err as Error).message}\n${seen.join('\n')}\n--- daemon log ---\n${daemonLog(daemon!)}`);
  }
}

test.serial('after a job, gmond\'s XML has the daemon\'s metrics (labels in the names) with the values /metrics has', async (t) => {
  const input = path.join(dir, 'words.txt');
  fs.writeFileSync(input, Array.from({ length: 300 }, (_, i) => `w${i % 17} x${i % 5} common`).join('\n'));
  const r = bsctlEnv(['run', 'word-count', '--input', input, '--output', path.join(dir, 'out'), '--split-size', '1k', '--reducers', '2', '--pool', 'research', '--runner', 'cluster', '--cluster', cluster, '--scheduler', daemon!.url]);
  t.is(r.code, 0, r.stderr);
  // The job has ended: its counters no longer move.
  const m = await scrape(daemon!.url);
  const want: Record<string, number> = {
    'bsctl_jobs_ended_total.status=succeeded': m.value('bsctl_jobs_ended_total', { status: 'succeeded' })!,
    'bsctl_task_attempts_total.type=map.status=succeeded': m.value('bsctl_task_attempts_total', { type: 'map', status: 'succeeded' })!,
    'bsctl_task_attempts_total.type=reduce.status=succeeded': m.value('bsctl_task_attempts_total', { type: 'reduce', status: 'succeeded' })!,
    'bsctl_bytes_read_total': m.value('bsctl_bytes_read_total')!,
    'bsctl_pool_min_share_slots.pool=research.type=map': m.value('bsctl_pool_min_share_slots', { pool: 'research', type: 'map' })!,
    'bsctl_slots.type=map': m.value('bsctl_slots', { type: 'map' })!,
  };
  t.is(want['bsctl_jobs_ended_total.status=succeeded'], 1);
  t.true(want['bsctl_task_attempts_total.type=map.status=succeeded']! > 1);
  t.is(want['bsctl_pool_min_share_slots.pool=research.type=map'], 2);
  const g = await untilGmondHas(want, 'gmond to have the daemon\'s metrics');
  const counter = g.get('bsctl_bytes_read_total')!;
  t.like(counter, { type: 'double', slope: 'positive', units: 'bytes', tmax: 60, dmax: 0, extra: { GROUP: 'bsctl' } });
  t.like(g.get('bsctl_slots.type=map'), { type: 'double', slope: 'both' });
  // prom-client's default metrics go too.
  t.true(Number(g.get('bsctl_process_resident_memory_bytes')?.val) > 0);
});

test.serial('gmond restarted: the metrics are back at the next sends (metadata goes again); the daemon went on while gmond was down', async (t) => {
  gmondScript(gmond!.env, 'stop');
  t.is((await fetch(`${daemon!.url}/health`)).status, 200);
  gmondScript(gmond!.env, 'start');
  const m = await scrape(daemon!.url);
  await untilGmondHas({ 'bsctl_jobs_ended_total.status=succeeded': m.value('bsctl_jobs_ended_total', { status: 'succeeded' })! }, 'the restarted gmond to have the daemon\'s metrics');
  t.is((await fetch(`${daemon!.url}/health`)).status, 200);
  t.notRegex(daemonLog(daemon!), /ganglia: sending .* failed/);
});

const idle: SchedulerStatus = { now: 0, allocations: undefined, preemption: false, totalSlots: { map: 0, reduce: 0 }, pools: [], hosts: [], jobs: [], finished: [], preemptions: [], history: [] };

/** DaemonMetrics that count the sink's reads. */
class CountedMetrics extends DaemonMetrics {
  reads = 0;
  override async snapshot(): Promise<MetricSnapshot[]> {
    this.reads++;
    return super.snapshot();
  }
}

test('a target that cannot be reached is logged once, never thrown; the sink goes on sending', async (t) => {
  const metrics = new CountedMetrics({ status: () => idle, schedules: () => [] });
  const logs: string[] = [];
  const sink = startGangliaSink(metrics, { host: 'no-such-host.invalid', port: 8649, periodSeconds: 0.05 }, (l) => logs.push(l));
  try {
    await waitFor(() => metrics.reads >= 5 && logs.some((l) => /failed/.test(l)), { what: 'five sends and a failure logged' });
    const failures = logs.filter((l) => /failed/.test(l));
    t.is(failures.length, 1, logs.join('\n'));
    t.regex(failures[0]!, /^ganglia: sending to no-such-host\.invalid:8649 failed: /);
  } finally {
    sink.stop();
  }
});

test('Ganglia names: labels flattened in their declared order; characters other than letters, digits and _:- become _', (t) => {
  const snapshot = [
    { name: 'bsctl_pool_running_slots', help: '', type: 'gauge', aggregator: 'sum', values: [{ value: 3, labels: { pool: 'a.b=c', type: 'map' } }] },
    { name: 'bsctl_gc', help: '', type: 'histogram', aggregator: 'sum', values: [{ value: 1, labels: {} }] },
  ] as unknown as MetricSnapshot[];
  t.deepEqual(gangliaValues(snapshot), [{ name: 'bsctl_pool_running_slots.pool=a_b_c.type=map', value: '3', slope: 'both', units: '' }]);
});
