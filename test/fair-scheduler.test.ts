import test from 'ava';
import { EMPTY_ALLOCATIONS, parseAllocations } from '../framework/scheduler/allocations.ts';
import { FairScheduler, type SlotType } from '../framework/scheduler/fair.ts';

const xml = (body: string): string => `<?xml version="1.0"?>\n<allocations>${body}</allocations>`;
const job = (id: string, pool: string, maps: number, extra: { user?: string; submitTime?: number; priority?: number; reduces?: number } = {}) => ({
  id,
  pool,
  user: extra.user ?? 'u',
  submitTime: extra.submitTime ?? 0,
  priority: extra.priority ?? 0,
  pending: { map: maps, reduce: extra.reduces ?? 0 },
});

/** Fill free slots of a type by asking the scheduler, as the daemon does; returns tasks started per job. */
function fill(s: FairScheduler, t: SlotType, slots: number, used: { n: number }, ids: { next: number }, started: string[] = []): string[] {
  while (used.n < slots) {
    const j = s.assign(t);
    if (!j) break;
    const id = `task${ids.next++}`;
    s.taskStarted(id, j.id, t);
    started.push(`${id}:${j.id}`);
    used.n++;
  }
  return started;
}

test('the hadoop.md allocation file parses; bad values name the file and element', (t) => {
  const a = parseAllocations(
    xml(`<pool name="qiji-task-pool"><minMaps>5</minMaps><minReduces>5</minReduces><maxRunningJobs>5</maxRunningJobs>
      <minSharePreemptionTimeout>300</minSharePreemptionTimeout><weight>1.0</weight></pool>
      <user name="ecap"><maxRunningJobs>6</maxRunningJobs></user>
      <poolMaxJobsDefault>10</poolMaxJobsDefault><userMaxJobsDefault>8</userMaxJobsDefault>
      <defaultMinSharePreemptionTimeout>600</defaultMinSharePreemptionTimeout><fairSharePreemptionTimeout>600</fairSharePreemptionTimeout>`),
    'fair-scheduler.xml',
  );
  const p = a.pools.get('qiji-task-pool')!;
  t.like(p, { minMaps: 5, minReduces: 5, maxRunningJobs: 5, minSharePreemptionTimeout: 300, weight: 1, schedulingMode: 'fair' });
  t.is(a.userMaxJobs.get('ecap'), 6);
  t.is(a.poolMaxJobsDefault, 10);
  t.is(a.userMaxJobsDefault, 8);
  t.is(a.fairSharePreemptionTimeout, 600);
  t.throws(() => parseAllocations(xml('<pool name="a"><weight>heavy</weight></pool>'), 'f.xml'), { message: 'f.xml: pool "a" <weight>: "heavy" must be a number ≥ 0' });
  t.throws(() => parseAllocations(xml('<pool><weight>1</weight></pool>'), 'f.xml'), { message: 'f.xml: pool[0]: needs a name attribute' });
  t.throws(() => parseAllocations('<allocations><pool name="a"></allocations>', 'f.xml'), { message: /^f\.xml: invalid XML at line 1/ });
  t.throws(() => parseAllocations(xml('<pool name="a"><schedulingMode>random</schedulingMode></pool>'), 'f.xml'), { message: /must be fair or fifo/ });
});

test('two pools with weights 2:1 and long jobs converge to 2:1 running slots, and stay there as tasks turn over', (t) => {
  const s = new FairScheduler(parseAllocations(xml('<pool name="a"><weight>2.0</weight></pool><pool name="b"><weight>1.0</weight></pool>'), 'f'));
  s.submit(job('ja', 'a', 1000));
  s.submit(job('jb', 'b', 1000));
  const used = { n: 0 };
  const ids = { next: 0 };
  const running: string[] = fill(s, 'map', 6, used, ids);
  const count = (): Record<string, number> => {
    const st = s.status({ map: 6, reduce: 0 });
    return Object.fromEntries(st.map((p) => [p.name, p.running.map]));
  };
  t.deepEqual(count(), { a: 4, b: 2 });
  // Tasks finish in arrival order and free slots are refilled: the split stays 4:2.
  for (let round = 0; round < 200; round++) {
    const done = running.shift()!;
    s.taskEnded(done.split(':')[0]!);
    used.n--;
    fill(s, 'map', 6, used, ids, running);
    t.deepEqual(count(), { a: 4, b: 2 }, `round ${round}`);
  }
  const shares = s.fairShares('map', 6);
  t.is(Math.round(shares.get('a')!), 4);
  t.is(Math.round(shares.get('b')!), 2);
});

test('min shares are served first; unused min share goes to others; max caps a pool', (t) => {
  const a = parseAllocations(xml('<pool name="small"><minMaps>4</minMaps></pool><pool name="big"><weight>10</weight><maxMaps>5</maxMaps></pool>'), 'f');
  const s = new FairScheduler(a);
  s.submit(job('j1', 'big', 100));
  s.submit(job('j2', 'small', 100));
  fill(s, 'map', 8, { n: 0 }, { next: 0 });
  const st = Object.fromEntries(s.status({ map: 8, reduce: 0 }).map((p) => [p.name, p.running.map]));
  t.deepEqual(st, { small: 4, big: 4 });
  // A min share the pool cannot use (demand 1) goes to others; big is capped at 5.
  const s2 = new FairScheduler(a);
  s2.submit(job('j1', 'big', 100));
  s2.submit(job('j2', 'small', 1));
  fill(s2, 'map', 10, { n: 0 }, { next: 0 });
  t.deepEqual(Object.fromEntries(s2.status({ map: 10, reduce: 0 }).map((p) => [p.name, p.running.map])), { small: 1, big: 5 });
});

test('maxRunningJobs: jobs over the pool or user limit wait (never fail) and are admitted by priority then submit time', (t) => {
  const s = new FairScheduler(parseAllocations(xml('<pool name="p"><maxRunningJobs>1</maxRunningJobs></pool><user name="bob"><maxRunningJobs>1</maxRunningJobs></user>'), 'f'));
  s.submit(job('first', 'p', 2, { submitTime: 1 }));
  s.submit(job('second', 'p', 2, { submitTime: 2 }));
  s.submit(job('urgent', 'p', 2, { submitTime: 3, priority: 5 }));
  t.deepEqual(s.admitted().map((j) => j.id), ['urgent']);
  t.is(s.status({ map: 4, reduce: 0 })[0]!.waitingJobs, 2);
  s.finish('urgent');
  t.deepEqual(s.admitted().map((j) => j.id), ['first']);
  s.finish('first');
  t.deepEqual(s.admitted().map((j) => j.id), ['second']);
  const u = new FairScheduler(parseAllocations(xml('<user name="bob"><maxRunningJobs>1</maxRunningJobs></user>'), 'f'));
  u.submit(job('b1', 'x', 1, { user: 'bob', submitTime: 1 }));
  u.submit(job('b2', 'y', 1, { user: 'bob', submitTime: 2 }));
  u.submit(job('c1', 'y', 1, { user: 'carol', submitTime: 3 }));
  t.deepEqual(u.admitted().map((j) => j.id), ['b1', 'c1']);
});

test('inside a pool: fair spreads slots over jobs, fifo runs the first job first', (t) => {
  const fair = new FairScheduler(EMPTY_ALLOCATIONS);
  fair.submit(job('j1', 'p', 10, { submitTime: 1 }));
  fair.submit(job('j2', 'p', 10, { submitTime: 2 }));
  const a = fill(fair, 'map', 4, { n: 0 }, { next: 0 }).map((x) => x.split(':')[1]);
  t.deepEqual(a.sort(), ['j1', 'j1', 'j2', 'j2']);
  const fifo = new FairScheduler(parseAllocations(xml('<pool name="p"><schedulingMode>fifo</schedulingMode></pool>'), 'f'));
  fifo.submit(job('j1', 'p', 10, { submitTime: 1 }));
  fifo.submit(job('j2', 'p', 10, { submitTime: 2 }));
  t.deepEqual(fill(fifo, 'map', 4, { n: 0 }, { next: 0 }).map((x) => x.split(':')[1]), ['j1', 'j1', 'j1', 'j1']);
});

test('min-share preemption: after the timeout the youngest tasks of the over-share pool are chosen, no more than needed', (t) => {
  let now = 0;
  const s = new FairScheduler(parseAllocations(xml('<pool name="hog"/><pool name="prod"><minMaps>3</minMaps><minSharePreemptionTimeout>30</minSharePreemptionTimeout></pool>'), 'f'), () => now);
  s.submit(job('hog-job', 'hog', 100));
  const used = { n: 0 };
  const ids = { next: 0 };
  for (let i = 0; i < 6; i++) {
    now = i * 1000; // tasks started at 0 s, 1 s, ... 5 s
    fill(s, 'map', i + 1, used, ids);
  }
  now = 10_000;
  s.submit(job('prod-job', 'prod', 10));
  t.deepEqual(s.tasksToPreempt('map', 6), [], 'not before the timeout');
  for (now = 11_000; now <= 40_000; now += 1000) {
    // The scheduler checks both slot types every interval: prod is fine on reduces (min 0), which must
    // not restart its map starvation clock.
    t.deepEqual(s.tasksToPreempt('reduce', 3), []);
    if (now < 40_000) t.deepEqual(s.tasksToPreempt('map', 6), [], `not before the timeout (${now} ms)`);
  }
  now = 41_000;
  const victims = s.tasksToPreempt('map', 6);
  t.deepEqual(victims, ['task5', 'task4', 'task3']);
  for (const v of victims) s.taskEnded(v, true);
  used.n -= victims.length;
  fill(s, 'map', 6, used, ids);
  t.deepEqual(Object.fromEntries(s.status({ map: 6, reduce: 0 }).map((p) => [p.name, p.running.map])), { hog: 3, prod: 3 });
  t.deepEqual(s.tasksToPreempt('map', 6), [], 'satisfied pools preempt nothing');
});

test('fair-share preemption: a pool below half its fair share past fairSharePreemptionTimeout takes slots up to its fair share', (t) => {
  let now = 0;
  const s = new FairScheduler(parseAllocations(xml('<pool name="a"/><pool name="b"/><fairSharePreemptionTimeout>60</fairSharePreemptionTimeout>'), 'f'), () => now);
  s.submit(job('ja', 'a', 100));
  fill(s, 'map', 6, { n: 0 }, { next: 0 });
  s.submit(job('jb', 'b', 100));
  t.deepEqual(s.tasksToPreempt('map', 6), []);
  now = 59_000;
  t.deepEqual(s.tasksToPreempt('map', 6), []);
  now = 61_000;
  t.is(s.tasksToPreempt('map', 6).length, 3);
});
