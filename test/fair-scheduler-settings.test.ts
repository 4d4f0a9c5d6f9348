/**
 * The FairScheduler settings of mapred-site.xml that bsctl honours: sizebasedweight (a job's weight in
 * its pool grows with log2(1 + its tasks)) and assignmultiple (off: one new task per machine a round).
 */
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { EMPTY_ALLOCATIONS } from '../framework/scheduler/allocations.ts';
import { ClusterScheduler } from '../framework/scheduler/cluster-scheduler.ts';
import { FairScheduler } from '../framework/scheduler/fair.ts';
import { loadMapredSite } from '../framework/scheduler/mapred-site.ts';
import type { MapTaskSpec, TaskResult } from '../framework/task/spec.ts';
import { tempDir } from './helpers/cli.ts';
import { waitFor } from './helpers/wait.ts';

const demand = (id: string, maps: number, submitTime: number) => ({ id, pool: 'p', user: 'u', submitTime, priority: 0, pending: { map: maps, reduce: 0 } });

/** Slots of a fair pool handed out one at a time: how many each job got. */
function share(s: FairScheduler, slots: number): Record<string, number> {
  const got: Record<string, number> = {};
  for (let i = 0; i < slots; i++) {
    const j = s.assign('map');
    if (!j) break;
    s.taskStarted(`t${i}`, j.id, 'map');
    got[j.id] = (got[j.id] ?? 0) + 1;
  }
  return got;
}

test('sizebasedweight: in a fair pool a job of 1000 tasks gets more slots than one of 3; without it they split evenly', (t) => {
  const plain = new FairScheduler(EMPTY_ALLOCATIONS);
  plain.submit(demand('big', 1000, 1));
  plain.submit(demand('small', 3, 2));
  t.deepEqual(share(plain, 6), { big: 3, small: 3 });
  const sized = new FairScheduler(EMPTY_ALLOCATIONS, Date.now, true);
  sized.submit(demand('big', 1000, 1));
  sized.submit(demand('small', 3, 2));
  // Weights log2(1 + 1000) ≈ 9.97 against log2(1 + 3) = 2 (shrinking as the small job's tasks start).
  const got = share(sized, 6);
  t.true(got.big! >= 5, JSON.stringify(got));
  t.true((got.small ?? 0) >= 1, JSON.stringify(got));
});

const machine = (i: number) => ({ name: `m${i}`, host: `10.9.0.${i}`, port: 22, user: 'x', identityFile: '/dev/null', hostKey: 'ssh-ed25519 AAAA', mapSlots: 3, reduceSlots: 0, workDir: '/tmp' });

/** 12 maps of one job on 2 machines × 3 slots that never finish: how many started at once, and later. */
async function started(assignMultiple: boolean): Promise<{ first: number; later: number }> {
  const scheduler = new ClusterScheduler({ file: 'settings-test', machines: [machine(1), machine(2)] }, { assignMultiple, heartbeatMs: 50, localityDelayMs: 0 });
  const job = scheduler.openJob({ id: 'job_settings_1', name: 'x', pool: 'p', user: 'u' });
  let running = 0;
  job.remote.run = () => {
    running++;
    return new Promise<TaskResult>(() => {});
  };
  for (let i = 0; i < 12; i++) {
    const spec = { jobId: 'job_settings_1', jobModule: '/dev/null', jobExport: 'default', step: 0, taskIndex: i, attempt: 0, attemptId: `attempt_s_${i}`, conf: {}, type: 'map', split: { path: '/x', start: 0, length: 1, fileLength: 1, hosts: [], fileIndex: 0 }, intermediateInput: false, numReduces: 1, sortBytes: 1, spillDir: '' } satisfies MapTaskSpec;
    void job.enqueue(spec, () => {}).catch(() => {});
  }
  await new Promise((r) => setImmediate(r));
  const first = running;
  await waitFor(() => running === 6, { what: 'all 6 slots used', timeoutMs: 10_000 });
  const later = running;
  await scheduler.close();
  return { first, later };
}

test('assignmultiple: on, one round fills every free slot; off, each machine takes one task a heartbeat and the rest follow on later ones', async (t) => {
  const on = await started(true);
  t.is(on.first, 6);
  const off = await started(false);
  t.is(off.first, 2, 'one task per machine in the first heartbeat');
  t.is(off.later, 6);
});

test('mapred-site.xml: the two settings are read; a bad value names the file and the property', (t) => {
  const dir = tempDir('mapred-site');
  const file = path.join(dir, 'mapred-site.xml');
  const site = (props: string): void => fs.writeFileSync(file, `<?xml version="1.0"?>\n<configuration>${props}</configuration>\n`);
  site('<property><name>mapred.fairscheduler.assignmultiple</name><value>false</value></property><property><name>mapred.fairscheduler.sizebasedweight</name><value> TRUE </value></property><property><name>mapred.job.tracker</name><value>x:1</value></property>');
  t.deepEqual(loadMapredSite(file), { assignMultiple: false, sizeBasedWeight: true });
  site('<property><name>mapred.fairscheduler.assignmultiple</name><value>yes</value></property>');
  t.throws(() => loadMapredSite(file), { message: `${file}: mapred.fairscheduler.assignmultiple: must be true or false (got "yes")` });
  fs.writeFileSync(file, '<configuration><property>');
  t.throws(() => loadMapredSite(file), { message: new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: not valid XML`) });
  t.throws(() => loadMapredSite(path.join(dir, 'none.xml')), { message: /--mapred-site .*none\.xml: no such file/ });
  fs.rmSync(dir, { recursive: true, force: true });
});
