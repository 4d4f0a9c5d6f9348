import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { ClusterRunner } from '../../framework/scheduler/cluster-runner.ts';
import type { JobProgress } from '../../framework/runner/options.ts';
import { ClusterScheduler } from '../../framework/scheduler/cluster-scheduler.ts';
import { writeHa3Docs } from '../../scripts/bench/ha3-docs.ts';
import { prng } from '../../scripts/bench/zipf-text.ts';
import { ROOT, tempDir } from '../helpers/cli.ts';
import { testCluster } from '../helpers/cluster.ts';
import { fullBuild, segmentDigest } from '../helpers/full-build.ts';

// Issue 9, fault suite: every worker process on 1 of the 3 SSH hosts killed with SIGKILL at a seeded
// random moment of a full build; each trial's index must be byte-identical to a local build's.
// BSCTL_FAULT_SEED=N reruns with another seed (each trial prints its own, enough to replay it alone).

// `npm test` runs 4 trials (the suite's time budget); BSCTL_FAULT_TRIALS=10 runs the 10.
const TRIALS = Number(process.env.BSCTL_FAULT_TRIALS ?? 4);
if (!Number.isInteger(TRIALS) || TRIALS < 2) throw new Error(`BSCTL_FAULT_TRIALS: a whole number of at least 2 (got ${process.env.BSCTL_FAULT_TRIALS})`);
const SEED = Number(process.env.BSCTL_FAULT_SEED ?? 20261201);
const dir = tempDir('ssh-worker-kills');
test.after.always(() => fs.rmSync(dir, { recursive: true, force: true }));

const schema = path.join(ROOT, 'fixtures/in1/schema.json');
const build = (name: string, run: Parameters<typeof fullBuild>[1] = {}) => {
  const data = path.join(dir, 'docs.ha3');
  return fullBuild({ table: 'in1', schema, data: [data], partitions: 3, indexRoot: path.join(dir, name) }, run);
};

const phaseOf = (p: JobProgress | undefined): string => (p ? `maps ${p.map.done}/${p.map.total}, reduces ${p.reduce.done}/${p.reduce.total}` : 'before the first task');

test.serial(`full build on 3 SSH hosts, every worker of one seeded host killed with -9 at a seeded moment, ${TRIALS} trials: each index byte-identical to the local build`, async (t) => {
  // About 1,500 documents (~0.6 MB) in 48 KiB splits: 13 maps and 3 reduces, a few seconds a build.
  writeHa3Docs(path.join(dir, 'docs.ha3'), 1500);
  const reference = segmentDigest((await build('reference')).generationDir);
  t.true(Object.keys(reference).length > 0);
  const machines = testCluster().config.machines;
  // One scheduler for every trial, as a daemon would: workers (and the bundle) outlive a job.
  const scheduler = new ClusterScheduler(testCluster().config);
  const splitSize = 48 * 1024;
  try {
    // Undisturbed builds first: they must match too. The first ships the bundle and starts workers; the
    // second's task phase (first progress report to the last) is the window kill moments are drawn from.
    const cold = await build('cold', { runner: new ClusterRunner(scheduler), splitSize });
    t.deepEqual(segmentDigest(cold.generationDir), reference, 'undisturbed cluster build (cold)');
    let firstProgressAt = 0;
    let lastProgressAt = 0;
    const warm = await build('warm', { runner: new ClusterRunner(scheduler), splitSize, onProgress: () => (lastProgressAt = Date.now(), (firstProgressAt ||= lastProgressAt)) });
    const windowMs = lastProgressAt - firstProgressAt;
    t.deepEqual(segmentDigest(warm.generationDir), reference, 'undisturbed cluster build (warm)');
    t.log(`undisturbed cluster build: tasks ran for ${windowMs} ms (${warm.maps} maps, ${warm.reduces} reduces); kill moments drawn from [0, ${windowMs}) ms after the first progress report (to the last)`);

    let passed = 0;
    let killedBusy = 0;
    for (let i = 0; i < TRIALS; i++) {
      const seed = SEED + i;
      const rnd = prng(seed);
      const host = Math.floor(rnd() * machines.length);
      const killAtMs = Math.floor(rnd() * windowMs);
      const runner = new ClusterRunner(scheduler);
      const logs: string[] = [];
      let progress: JobProgress | undefined;
      let kill = 'no task ran on it after that moment';
      let started = 0;
      let timer: NodeJS.Timeout | undefined;
      // From the drawn moment on, the first time the host runs a task: kill every worker process on it.
      const killHost = (): void => {
        const w = runner.workers()[host]!;
        if (w.busyPids.length === 0) return void (timer = setTimeout(killHost, 10));
        for (const pid of w.pids) process.kill(pid, 'SIGKILL');
        kill = `${w.pids.length} worker(s) (${w.busyPids.length} busy) at ${Date.now() - started} ms, ${phaseOf(progress)}`;
        killedBusy++;
      };
      const onProgress = (p: JobProgress): void => {
        progress = p;
        if (started) return;
        started = Date.now();
        timer = setTimeout(killHost, killAtMs);
      };
      let result: string;
      try {
        const r = await build(`trial-${i}`, { runner, splitSize, log: (l) => logs.push(l), onProgress });
        const same = JSON.stringify(segmentDigest(r.generationDir)) === JSON.stringify(reference);
        const retried = logs.filter((l) => / failed: /.test(l)).length;
        result = `${same ? 'identical' : 'DIFFERENT'} index, ${r.maps} map(s) run, ${retried} failed attempt(s) retried`;
        if (same) passed++;
        t.deepEqual(segmentDigest(r.generationDir), reference, `trial ${i} (seed ${seed})`);
      } catch (err) {
        result = `FAILED: ${(err as Error).message}\n${logs.join('\n')}`;
        t.fail(`trial ${i} (seed ${seed}): ${result}`);
      } finally {
        clearTimeout(timer);
      }
      t.log(`trial ${i}: seed ${seed}, ${machines[host]!.name}, kill ${killAtMs} ms after the first progress report: ${kill}; ${result}`);
      fs.rmSync(path.join(dir, `trial-${i}`), { recursive: true, force: true });
    }
    t.log(`workers killed on 1 of 3 SSH hosts mid-build: ${TRIALS} trials run, ${passed} passed (byte-identical index), ${killedBusy} killed workers running a task`);
    t.is(passed, TRIALS);
    // Most moments fall while tasks run: the faults did happen.
    t.true(killedBusy >= TRIALS / 2, `${killedBusy} of ${TRIALS} trials killed workers running a task`);
  } finally {
    await scheduler.close();
  }
});
