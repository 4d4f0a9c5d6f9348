/**
 * `npm run bench:cluster [-- --size-mb 128]`: starts 3 sshd hosts (scripts/sshd) and prints
 *  - remote exec latency: a command on a new SSH connection vs on the pooled one (median of 20),
 *  - FairScheduler decisions per second with 10,000 queued tasks in 3 pools (the model, and the cluster
 *    scheduler's whole dispatch path),
 *  - word-count wall time on 1 host vs 3 hosts (all on this machine: expect no speed-up beyond its cores).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadClusterConfig } from '../../framework/cluster/config.ts';
import { ClusterRunner } from '../../framework/scheduler/cluster-runner.ts';
import { SshConnection } from '../../framework/cluster/ssh.ts';
import type { MapTaskSpec, TaskResult } from '../../framework/task/spec.ts';
import { ClusterScheduler } from '../../framework/scheduler/cluster-scheduler.ts';
import { parseAllocations } from '../../framework/scheduler/allocations.ts';
import { FairScheduler } from '../../framework/scheduler/fair.ts';
import { machineLine, timed } from './measure.ts';
import { writeZipfText } from './zipf-text.ts';

const { values } = parseArgs({ options: { 'size-mb': { type: 'string', default: '128' } } });
const BSCTL = fileURLToPath(new URL('../../bin/bsctl.js', import.meta.url));
const SSHD = fileURLToPath(new URL('../sshd', import.meta.url));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bsctl-bench-cluster-'));
const env = { ...process.env, BSCTL_SSHD_DIR: path.join(dir, 'sshd'), BSCTL_SSHD_PORT_BASE: '24200' };
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function latency(clusterFile: string): Promise<void> {
  const machine = loadClusterConfig(clusterFile).machines[0]!;
  const first: number[] = [];
  for (let i = 0; i < 20; i++) {
    const t = process.hrtime.bigint();
    const c = await SshConnection.connect(machine);
    await c.run('true');
    first.push(Number(process.hrtime.bigint() - t) / 1e6);
    c.close();
  }
  const c = await SshConnection.connect(machine);
  const pooled: number[] = [];
  for (let i = 0; i < 20; i++) {
    const t = process.hrtime.bigint();
    await c.run('true');
    pooled.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  c.close();
  console.log(`remote exec latency (median of 20): new connection ${median(first).toFixed(1)} ms, pooled connection ${median(pooled).toFixed(1)} ms`);
}

/** Task launch on the cluster runner: the first attempt (connect, ship, start a worker) vs on a warm pooled worker. */
async function attemptLatency(clusterFile: string): Promise<void> {
  const file = path.join(dir, 'tiny.txt');
  fs.writeFileSync(file, 'a b c\n');
  const config = loadClusterConfig(clusterFile);
  const runner = new ClusterRunner({ ...config, machines: config.machines.slice(0, 1) });
  await runner.start({ id: 'job_bench', name: 'bench' });
  const spec = (i: number): MapTaskSpec => ({
    jobId: 'job_bench',
    jobModule: fileURLToPath(new URL('../../jobs/word-count.ts', import.meta.url)),
    jobExport: 'default',
    step: 0,
    taskIndex: i,
    attempt: 0,
    attemptId: `attempt_bench_m_${i}`,
    conf: {},
    type: 'map',
    split: { path: file, start: 0, length: 6, fileLength: 6, hosts: [], fileIndex: 0 },
    intermediateInput: false,
    numReduces: 1,
    sortBytes: 1024 * 1024,
    spillDir: '',
  });
  const times: number[] = [];
  for (let i = 0; i < 21; i++) {
    const t = process.hrtime.bigint();
    await runner.runAttempt(spec(i), () => {});
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  await runner.close();
  console.log(`task launch on the cluster runner: first attempt ${times[0]!.toFixed(0)} ms (connect, ship bundle, start worker); pooled worker median ${median(times.slice(1)).toFixed(1)} ms (a whole tiny map attempt)`);
}

/**
 * The same through the cluster scheduler's own dispatch path (FairScheduler choice, per-job locality
 * and delay-scheduling choice, slot bookkeeping, records) with 10,000 queued attempts on 20 machines
 * that are never contacted: each attempt "runs" instantly, so only scheduling is timed.
 */
async function dispatchDecisions(): Promise<void> {
  const machines = Array.from({ length: 20 }, (_, i) => ({ name: `m${i}`, host: `10.1.0.${i + 1}`, port: 22, user: 'bench', identityFile: '/dev/null', hostKey: 'ssh-ed25519 AAAA', mapSlots: 3, reduceSlots: 0, workDir: '/tmp' }));
  const allocations = parseAllocations('<allocations><pool name="a"><weight>2</weight></pool><pool name="b"><minMaps>4</minMaps></pool><pool name="c"/></allocations>', 'bench');
  const scheduler = new ClusterScheduler({ file: 'bench', machines }, { allocations, localityDelayMs: 0 });
  const result: TaskResult = { counters: {}, maxRss: 0 };
  const jobs = Array.from({ length: 30 }, (_, j) => {
    const job = scheduler.openJob({ id: `job_bench_${j}`, name: 'bench', pool: ['a', 'b', 'c'][j % 3]!, user: 'bench' });
    job.remote.run = () => new Promise((resolve) => queueMicrotask(() => resolve(result)));
    return job;
  });
  const N = 10_000;
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: N }, (_, i) => {
      const spec: MapTaskSpec = {
        jobId: `job_bench_${i % 30}`,
        jobModule: '/dev/null',
        jobExport: 'default',
        step: 0,
        taskIndex: i,
        attempt: 0,
        attemptId: `attempt_bench_${i}`,
        conf: {},
        type: 'map',
        // Every split's block is on one of the machines (or a machine outside the cluster).
        split: { path: '/bench', start: 0, length: 1, fileLength: 1, hosts: [`10.1.0.${(i % 25) + 1}`], fileIndex: 0 },
        intermediateInput: false,
        numReduces: 1,
        sortBytes: 1,
        spillDir: '',
      };
      return jobs[i % 30]!.enqueue(spec, () => {});
    }),
  );
  const secs = Number(process.hrtime.bigint() - start) / 1e9;
  const local = jobs.reduce((n, j) => n + j.dataLocalMaps, 0);
  console.log(`ClusterScheduler dispatch: ${N} attempts (30 jobs, 3 pools, 60 slots on 20 machines) in ${secs.toFixed(2)} s = ${Math.round(N / secs)} decisions/s, ${local} data-local`);
  await scheduler.close();
}

function decisions(): void {
  const s = new FairScheduler(parseAllocations('<allocations><pool name="a"><weight>2</weight></pool><pool name="b"><minMaps>4</minMaps></pool><pool name="c"/></allocations>', 'bench'));
  for (let j = 0; j < 30; j++) s.submit({ id: `j${j}`, pool: ['a', 'b', 'c'][j % 3]!, user: 'u', submitTime: j, priority: 0, pending: { map: 10_000 / 30 + 1, reduce: 0 } });
  const slots = 60;
  const running: string[] = [];
  let n = 0;
  const start = process.hrtime.bigint();
  while (n < 10_000) {
    while (running.length < slots) {
      const job = s.assign('map');
      if (!job) break;
      const id = `t${n++}`;
      s.taskStarted(id, job.id, 'map');
      running.push(id);
    }
    s.taskEnded(running.shift()!);
  }
  const secs = Number(process.hrtime.bigint() - start) / 1e9;
  console.log(`FairScheduler: ${n} scheduling decisions (30 jobs, 3 pools, 10,000 queued tasks, ${slots} slots) in ${secs.toFixed(2)} s = ${Math.round(n / secs)} decisions/s`);
}

try {
  if ((await timed(SSHD, ['start', '--hosts', '3'], env)).code !== 0) throw new Error('scripts/sshd start failed');
  const clusterFile = path.join(dir, 'cluster.json');
  fs.writeFileSync(clusterFile, (await timed(SSHD, ['cluster'], env)).stdout);
  const one = path.join(dir, 'one.json');
  const all = JSON.parse(fs.readFileSync(clusterFile, 'utf8')) as { machines: unknown[] };
  fs.writeFileSync(one, JSON.stringify({ machines: all.machines.slice(0, 1) }));
  console.log(machineLine('3 sshd hosts on 127.0.0.1..127.0.0.3'));
  await latency(clusterFile);
  await attemptLatency(clusterFile);
  decisions();
  await dispatchDecisions();
  const input = path.join(dir, 'text.txt');
  writeZipfText(input, Number(values['size-mb']) * 1024 * 1024);
  for (const [label, file] of [['1 host', one], ['3 hosts', clusterFile]] as const) {
    const r = await timed(process.execPath, [BSCTL, 'run', 'word-count', '--input', input, '--output', path.join(dir, `out-${label}`), '--runner', 'cluster', '--cluster', file, '--split-size', '16m']);
    if (r.code !== 0) throw new Error(`word-count on ${label} failed:\n${r.stderr}`);
    console.log(`word-count ${values['size-mb']} MiB on ${label} (2 map slots each): ${r.seconds.toFixed(2)} s`);
  }
} finally {
  await timed(SSHD, ['stop'], env);
  fs.rmSync(dir, { recursive: true, force: true });
}
