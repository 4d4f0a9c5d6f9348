import test from 'ava';
import type { Host } from '../framework/cluster/hosts.ts';
import { AttemptQueue, type QueuedAttempt } from '../framework/scheduler/attempt-queue.ts';
import { choosePlacement, type LocalityWait, type PlacementContext } from '../framework/scheduler/placement.ts';
import type { MapTaskSpec, ReduceTaskSpec } from '../framework/task/spec.ts';

// The cluster scheduler's choice of attempt and machine, without machines: delay scheduling, locality,
// reduce placement and failure avoidance.

function host(n: number, running = 0): Host {
  return {
    machine: { name: `host${n}`, host: `10.9.0.${n}`, port: 22, user: 'u', identityFile: '/k', hostKey: 'ssh-ed25519 AAAA', mapSlots: 2, reduceSlots: 1, workDir: '/w' },
    running: { map: running, reduce: 0 },
    down: undefined,
    idle: new Map(),
    all: [],
    shipped: new Map(),
  };
}
const [h1, h2, h3] = [host(1), host(2), host(3)];
let seq = 0;

function map(blockOn: readonly Host[], index = seq): QueuedAttempt {
  const spec = { type: 'map', taskIndex: index, attemptId: `attempt_m_${seq++}`, split: { path: '/f', start: 0, length: 1, fileLength: 1, hosts: blockOn.map((h) => h.machine.host), fileIndex: 0 } } as unknown as MapTaskSpec;
  return { spec, progress: () => {}, options: {}, queuedAt: seq, resolve: () => {}, reject: () => {} };
}

function reduce(partition: number): QueuedAttempt {
  const spec = { type: 'reduce', taskIndex: partition, attemptId: `attempt_r_${seq++}`, segments: [] } as unknown as ReduceTaskSpec;
  return { spec, progress: () => {}, options: {}, queuedAt: seq, resolve: () => {}, reject: () => {} };
}

function queueOf(...attempts: QueuedAttempt[]): AttemptQueue {
  const q = new AttemptQueue();
  for (const a of attempts) q.add(a);
  return q;
}

const ctx = (now: number, extra: Partial<PlacementContext> = {}): PlacementContext => ({ up: [h1, h2, h3], failures: new Map(), localityDelayMs: 1000, now, ...extra });

test('a data-local map goes first, even behind older non-local ones', (t) => {
  const a = map([h2]);
  const b = map([h1]);
  t.deepEqual(choosePlacement('map', queueOf(a, b), [h1], ctx(0), { since: undefined }), { attempt: b, host: h1 });
});

test('delay scheduling: a job passes non-local slots for the locality delay, then launches non-local until a data-local launch resets the wait', (t) => {
  const wait: LocalityWait = { since: undefined };
  const a = map([h2]);
  const q = queueOf(a, map([h2]));
  t.is(choosePlacement('map', q, [h1], ctx(0), wait), 'wait');
  t.is(wait.since, 0);
  t.is(choosePlacement('map', q, [h1], ctx(999), wait), 'wait');
  t.deepEqual(choosePlacement('map', q, [h1], ctx(1000), wait), { attempt: a, host: h1 });
  q.delete(a);
  t.not(choosePlacement('map', q, [h1], ctx(1001), wait), 'wait', 'still past the delay: no new wait');
  wait.since = undefined; // what a data-local launch does
  t.is(choosePlacement('map', q, [h1], ctx(1002), wait), 'wait');
});

test('no wait when no queued map could run data-local (blocks on machines outside the cluster or down)', (t) => {
  const outside = host(9);
  const a = map([outside]);
  t.deepEqual(choosePlacement('map', queueOf(a), [h1], ctx(0), { since: undefined }), { attempt: a, host: h1 });
  const b = map([h2]);
  t.deepEqual(choosePlacement('map', queueOf(b), [h1], ctx(0, { up: [h1, h3] }), { since: undefined }), { attempt: b, host: h1 });
});

test('a reduce goes to the machine its partition is gathered on, unless the job failed there; else the least busy machine', (t) => {
  const r0 = reduce(0);
  const r1 = reduce(1);
  const home = (p: number): Host => (p === 0 ? h1 : h3);
  const busy2 = host(2, 1);
  t.deepEqual(choosePlacement('reduce', queueOf(r0, r1), [busy2, h3], ctx(0, { home }), { since: undefined }), { attempt: r1, host: h3 });
  t.deepEqual(choosePlacement('reduce', queueOf(r0, r1), [busy2, h3], ctx(0, { home, failures: new Map([['host3', 1]]) }), { since: undefined }), { attempt: r0, host: busy2 }, 'away from host3 where the job failed');
});

test('nothing queued or no machine free: no choice', (t) => {
  t.is(choosePlacement('map', queueOf(), [h1], ctx(0), { since: undefined }), undefined);
  t.is(choosePlacement('map', queueOf(map([h1])), [], ctx(0), { since: undefined }), undefined);
});
