/**
 * QueueWait (--runner yarn): an application YARN keeps waiting in its queue is reported once after
 * WAIT_NOTICE_MS, with the queue's numbers and YARN's diagnostics, and once more when it starts; one
 * that starts at once is never reported. The ResourceManager's answers are scripted (the real one is
 * in test/yarn-script.test.ts: a job over root.adhoc's maxApps 1).
 */
import test from 'ava';
import { QueueWait, WAIT_NOTICE_MS } from '../framework/cluster/yarn/queue-wait.ts';
import type { QueueLoad, YarnApp } from '../framework/cluster/yarn/resource-manager.ts';

function script(states: string[], load: QueueLoad = { running: 1, pending: 1, maxApps: 1 }) {
  let now = 0;
  const lines: string[] = [];
  const rm = {
    app: async (id: string): Promise<YarnApp> => ({ id, name: 'n', queue: 'root.adhoc', state: states.shift() ?? 'RUNNING', finalStatus: 'UNDEFINED', diagnostics: ' Application is added to the scheduler and is not yet activated. ', progress: 0 }),
    queueLoad: async (): Promise<QueueLoad> => load,
  };
  const wait = new QueueWait(rm, 'root.adhoc', (l) => lines.push(l), () => now);
  return { wait, lines, tick: (ms: number) => (now += ms) };
}

test('an application ACCEPTED past the notice time: told once, with the queue and the diagnostics; then told when it runs', async (t) => {
  const s = script(['ACCEPTED', 'ACCEPTED', 'ACCEPTED', 'ACCEPTED', 'RUNNING']);
  await s.wait.check('application_1_0001');
  s.tick(WAIT_NOTICE_MS - 1);
  await s.wait.check('application_1_0001');
  t.deepEqual(s.lines, [], 'not before the notice time');
  s.tick(1);
  await s.wait.check('application_1_0001');
  s.tick(1000);
  await s.wait.check('application_1_0001');
  t.deepEqual(s.lines, ['application_1_0001 is waiting in queue root.adhoc (1 running of at most 1, 1 pending), ACCEPTED for 5 s: YARN starts it when the queue is under its limits and the cluster has room; YARN says: Application is added to the scheduler and is not yet activated.']);
  s.tick(2000);
  await s.wait.check('application_1_0001');
  t.is(s.lines[1], 'application_1_0001 is RUNNING after waiting 8 s in queue root.adhoc');
  await s.wait.check('application_1_0001');
  t.is(s.lines.length, 2, 'nothing more once it runs');
});

test('an application that starts within the notice time, or a queue without limits: nothing, or no limit shown', async (t) => {
  const quick = script(['ACCEPTED', 'RUNNING']);
  await quick.wait.check('a');
  quick.tick(1000);
  await quick.wait.check('a');
  quick.tick(10_000);
  await quick.wait.check('a');
  t.deepEqual(quick.lines, []);
  const unlimited = script(['SUBMITTED', 'ACCEPTED'], { running: 3, pending: 2, maxApps: 2 ** 31 - 1 });
  await unlimited.wait.check('b');
  unlimited.tick(6000);
  await unlimited.wait.check('b');
  t.regex(unlimited.lines[0]!, /^b is waiting in queue root\.adhoc \(3 running, 2 pending\), ACCEPTED for 6 s/);
});
