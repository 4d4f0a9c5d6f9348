/**
 * Attempts beyond the first try: speculative attempts for stragglers (first finisher wins, the other
 * is killed), killed attempts not counting as failures, maps re-run when a reducer cannot fetch their
 * output, and runners that queue attempts themselves.
 */
import test from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runJob, type JobReport } from '../framework/runner/driver.ts';
import { InlineRunner } from '../framework/runner/inline.ts';
import { LocalRunner } from '../framework/runner/local.ts';
import type { RunOptions } from '../framework/runner/options.ts';
import { LostMapOutputs } from '../framework/runner/lost-maps.ts';
import { runPhase, type PhaseTask } from '../framework/runner/phase.ts';
import { pickStragglers, type TaskView } from '../framework/runner/speculation.ts';
import { AttemptKilled, ShuffleFetchFailure, type AttemptOptions, type AttemptProgress, type TaskRunner } from '../framework/runner/types.ts';
import type { TaskResult, TaskSpec } from '../framework/task/spec.ts';
import { outputLines } from './helpers/cli.ts';
import { waitFor } from './helpers/wait.ts';

const STRAGGLER = fileURLToPath(new URL('./fixtures/jobs/straggler-count.ts', import.meta.url));

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bsctl-speculation-test-'));
test.after.always(() => fs.rmSync(root, { recursive: true, force: true }));
let n = 0;

/** A fresh directory with `in.txt` (`lines` lines of words), an output path and a work root. */
function setup(lines = 300): { dir: string; input: string; out: string; work: string } {
  const dir = path.join(root, `t${n++}`);
  fs.mkdirSync(dir);
  const input = path.join(dir, 'in.txt');
  fs.writeFileSync(input, `${Array.from({ length: lines }, (_, i) => `w${i % 37} x${i % 11} common`).join('\n')}\n`);
  return { dir, input, out: path.join(dir, 'out'), work: path.join(dir, 'work') };
}

/** The job run plainly on the inline runner: the output every other run must match. */
async function reference(s: { dir: string; input: string }, extra: Partial<RunOptions> = {}): Promise<{ lines: string; report: JobReport }> {
  const out = path.join(s.dir, 'ref');
  const report = await runJob({ jobModule: STRAGGLER, input: [s.input], output: out, runner: 'inline', reducers: 2, workRoot: path.join(s.dir, 'ref-work'), ...extra });
  return { lines: outputLines(out), report };
}

const attemptNumber = (attemptId: string): number => Number(attemptId.slice(attemptId.lastIndexOf('_') + 1));
const mapInputRecords = (r: JobReport): number | undefined => r.counters['Map-Reduce Framework']?.['Map input records'];

/** A runner wrapping another, seeing every attempt; `before` may throw instead of running it. */
class Wrapper implements TaskRunner {
  readonly name: string = 'wrapper';
  readonly calls: TaskSpec[] = [];
  /**
   * `ownFiles`: every map output in a file of its own, as on the SSH runner (there a lost machine loses
   * its maps' files one by one; locally the small ones share the worker's output log).
   */
  constructor(
    readonly inner: TaskRunner,
    private readonly before: (spec: TaskSpec) => void = () => {},
    private readonly ownFiles = false,
  ) {}
  get slots(): number {
    return this.inner.slots;
  }
  runAttempt(spec: TaskSpec, progress: AttemptProgress, options?: AttemptOptions): Promise<TaskResult> {
    this.calls.push(spec);
    try {
      this.before(spec);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.inner.runAttempt(this.ownFiles && spec.type === 'map' ? { ...spec, outputLog: false } : spec, progress, options);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
  ids(kind: 'm' | 'r', task: number): string[] {
    const tag = `_${kind}_${String(task).padStart(6, '0')}_`;
    return this.calls.map((c) => c.attemptId).filter((id) => id.includes(tag));
  }
}

test('speculation: a straggling map gets a second attempt that wins; the straggler is killed before it ends; output exact', async (t) => {
  const s = setup();
  const ref = await reference(s, { splitSize: 1024 });
  const marker = path.join(s.dir, 'straggler-finished');
  const logs: string[] = [];
  const report = await runJob({
    jobModule: STRAGGLER,
    input: [s.input],
    output: s.out,
    runner: new LocalRunner(2),
    splitSize: 1024,
    reducers: 2,
    workRoot: s.work,
    // About 70 lines of 300 ms: the straggler alone would take 20 s.
    conf: { 'straggle.ms': '300', 'straggle.marker': marker },
    speculation: { minRunMs: 1000 },
    log: (l) => logs.push(l),
  });
  const text = logs.join('\n');
  t.is(report.maps, ref.report.maps);
  t.true(report.maps >= 3, `${report.maps} maps`);
  t.regex(text, /speculating task_\S+_m_000000 \(attempt 1\): progress 0\.\d\d vs average 0\.\d\d after \d+ s/);
  t.regex(text, /attempt attempt_\S+_m_000000_1 won; killed attempt attempt_\S+_m_000000_0/);
  t.false(/_m_000000_0 won/.test(text), text);
  t.true(report.speculativeAttempts >= 1);
  // The straggler ended as killed (its worker was killed), never reaching the end of its split.
  t.true(report.killedAttempts >= 1);
  t.false(fs.existsSync(marker), 'the straggling attempt read its whole split');
  t.is(outputLines(s.out), ref.lines);
  t.is(mapInputRecords(report), 300);
  t.deepEqual(report.counters, ref.report.counters);
});

test('speculation is off on the inline runner by default', async (t) => {
  const s = setup(40);
  const logs: string[] = [];
  const report = await runJob({ jobModule: STRAGGLER, input: [s.input], output: s.out, runner: 'inline', splitSize: 300, workRoot: s.work, conf: { 'straggle.ms': '5' }, log: (l) => logs.push(l) });
  t.is(report.speculativeAttempts, 0);
  t.false(logs.some((l) => l.includes('speculating')));
});

test('pickStragglers: lag, minimum run time, one speculative attempt per task, 10% cap and free slots', (t) => {
  const spec = { enabled: true, minRunMs: 1000, lag: 0.2 };
  const running = (progress: number, since = 0, speculative = false): TaskView => ({ done: false, speculated: speculative, attempts: [{ progress, runningSince: since, speculative }] });
  const done: TaskView = { done: true, speculated: false, attempts: [] };
  // Average (1 + 1 + 0.1 + 0.7) / 4 = 0.7: only the task at 0.1 is more than 0.2 behind.
  t.deepEqual(pickStragglers([done, done, running(0.1), running(0.7)], 5000, spec, 4).map((x) => x.index), [2]);
  t.deepEqual(pickStragglers([done, done, running(0.1, 4500), running(0.7)], 5000, spec, 4), [], 'ran < minRunMs');
  t.deepEqual(pickStragglers([done, done, running(0.1)], 5000, spec, 0), [], 'no free slot');
  t.deepEqual(pickStragglers([done, done, running(0.1)], 5000, { ...spec, enabled: false }, 4), []);
  t.deepEqual(pickStragglers([done, done, running(0.1, 0, true)], 5000, spec, 4), [], 'already speculated');
  const queued: TaskView = { done: false, speculated: false, attempts: [{ progress: 0, runningSince: undefined, speculative: false }] };
  t.deepEqual(pickStragglers([done, done, queued], 5000, spec, 4), [], 'not started');
  // 30 running attempts: at most 3 speculative at once, slowest first.
  const many = [...Array.from({ length: 26 }, () => running(0.9)), running(0.3), running(0.1), running(0.2), running(0.4)];
  t.deepEqual(pickStragglers(many, 5000, spec, 10).map((x) => x.progress), [0.1, 0.2, 0.3]);
  t.is(pickStragglers(many, 5000, spec, 2).length, 2);
});

test('LocalRunner: aborting the signal kills the attempt (AttemptKilled with the reason); an aborted signal rejects at once', async (t) => {
  const s = setup(50);
  const runner = new LocalRunner(1);
  const size = fs.statSync(s.input).size;
  const spec = (attempt: number): TaskSpec => ({
    type: 'map',
    jobId: 'job_test',
    jobModule: STRAGGLER,
    jobExport: 'default',
    step: 0,
    taskIndex: 0,
    attempt,
    attemptId: `attempt_job_test_0_m_000000_${attempt}`,
    conf: { 'straggle.ms': '1000' },
    split: { path: s.input, start: 0, length: size, fileLength: size, hosts: [], fileIndex: 0 },
    intermediateInput: false,
    numReduces: 1,
    sortBytes: 1 << 20,
    spillDir: path.join(s.work, `a${attempt}`),
  });
  try {
    const controller = new AbortController();
    let where: string | undefined;
    // Abort on the event: the worker took the task (its first progress report), not after a delay.
    let reports = 0;
    const onProgress = (): void => {
      if (reports++ === 0) controller.abort('speculative attempt lost');
    };
    const running = runner.runAttempt(spec(0), onProgress, { signal: controller.signal, onStart: (w) => (where = w) });
    t.is(where, 'localhost');
    const err = await t.throwsAsync(running);
    t.true(err instanceof AttemptKilled, String(err));
    t.is((err as AttemptKilled).reason, 'speculative attempt lost');
    t.is(reports, 1, 'aborted while running, after its first report');
    t.is(runner.pids.length, 0, 'the worker was killed');
    const aborted = new AbortController();
    aborted.abort({ not: 'a string' });
    const err2 = await t.throwsAsync(runner.runAttempt(spec(1), () => {}, { signal: aborted.signal }));
    t.true(err2 instanceof AttemptKilled);
    t.is((err2 as AttemptKilled).reason, 'killed');
  } finally {
    await runner.close();
  }
});

test('killed attempts do not count: a task killed 5 times with maxAttempts 2 still succeeds, each attempt numbered anew', async (t) => {
  const s = setup(60);
  const ref = await reference(s, { splitSize: 300 });
  let kills = 0;
  const runner = new Wrapper(new InlineRunner(), (spec) => {
    if (spec.type === 'map' && spec.taskIndex === 1 && kills < 5) {
      kills++;
      throw new AttemptKilled(spec.attemptId, 'preempted by the scheduler');
    }
  });
  const logs: string[] = [];
  const report = await runJob({ jobModule: STRAGGLER, input: [s.input], output: s.out, runner, splitSize: 300, reducers: 2, maxAttempts: 2, workRoot: s.work, log: (l) => logs.push(l) });
  t.is(outputLines(s.out), ref.lines);
  t.deepEqual(runner.ids('m', 1).map(attemptNumber), [0, 1, 2, 3, 4, 5]);
  t.is(report.killedAttempts, 5);
  t.is(report.maps, ref.report.maps);
  t.true(logs.some((l) => /attempt \S+_m_000001_4 killed \(preempted by the scheduler\) \(retrying\)/.test(l)), logs.join('\n'));
});

test('a task killed over and over fails after a bounded number of attempts, saying so', async (t) => {
  const s = setup(20);
  const runner = new Wrapper(new InlineRunner(), (spec) => {
    if (spec.type === 'map') throw new AttemptKilled(spec.attemptId, 'preempted by the scheduler');
  });
  const err = await t.throwsAsync(runJob({ jobModule: STRAGGLER, input: [s.input], output: s.out, runner, maxAttempts: 2, workRoot: s.work }));
  t.regex(err!.message, /task task_\S+_m_000000 failed 18 times; last error: attempt killed: preempted by the scheduler/);
  t.regex(err!.message, /killed or lost their input 18 times \(limit 18\)/);
  t.is(runner.calls.length, 18);
  t.false(fs.existsSync(s.out));
});

test('shuffle fetch failure: the lost map re-runs (new attempt), the reduce retries on its new output; exact output and counters', async (t) => {
  const s = setup(60);
  const ref = await reference(s, { splitSize: 300 });
  let lostFile: string | undefined;
  const runner = new Wrapper(new InlineRunner(), (spec) => {
    if (spec.type === 'reduce' && spec.taskIndex === 0 && spec.attempt === 0) {
      // The host holding map 1's output is gone: the file with it.
      lostFile = spec.segments[1]!.file;
      fs.rmSync(lostFile);
      throw new ShuffleFetchFailure(spec.attemptId, [1], 'connection refused by host-b\nsecond line');
    }
  }, true);
  const logs: string[] = [];
  const report = await runJob({ jobModule: STRAGGLER, input: [s.input], output: s.out, runner, splitSize: 300, reducers: 2, maxAttempts: 1, workRoot: s.work, log: (l) => logs.push(l) });
  const splits = ref.report.maps;
  t.true(splits >= 3, `${splits} splits`);
  t.is(outputLines(s.out), ref.lines);
  t.is(report.maps, splits + 1);
  t.is(logs.filter((l) => /lost map output of task_\S+_m_000001 \(fetch failed: connection refused by host-b\); re-running the map$/.test(l)).length, 1, logs.join('\n'));
  t.deepEqual(runner.ids('m', 1).map(attemptNumber), [0, 1]);
  const retry = runner.calls.find((c) => c.type === 'reduce' && c.taskIndex === 0 && c.attempt === 1);
  if (retry?.type !== 'reduce') return t.fail('reduce 0 was not retried as attempt 1');
  t.truthy(lostFile);
  t.not(retry.segments[1]!.file, lostFile);
  t.true(retry.segments[1]!.file.includes('_m_000001_1'), retry.segments[1]!.file);
  t.deepEqual(report.counters, ref.report.counters, 'the re-run map replaces its counters, not adds to them');
});

test('shuffle fetch failure reported by two reducers at once: the map re-runs once', async (t) => {
  const s = setup(60);
  const ref = await reference(s, { splitSize: 300 });
  const runner = new Wrapper(new LocalRunner(2), (spec) => {
    if (spec.type === 'reduce' && spec.attempt === 0) throw new ShuffleFetchFailure(spec.attemptId, [1, 2], 'host-b is down');
  });
  const logs: string[] = [];
  const report = await runJob({ jobModule: STRAGGLER, input: [s.input], output: s.out, runner, splitSize: 300, reducers: 2, workRoot: s.work, log: (l) => logs.push(l) });
  t.is(outputLines(s.out), ref.lines);
  t.is(report.maps, ref.report.maps + 2);
  t.is(logs.filter((l) => l.includes('lost map output of')).length, 2, logs.join('\n'));
  t.is(runner.ids('m', 1).length, 2);
  t.is(runner.ids('m', 2).length, 2);
  t.deepEqual(report.counters, ref.report.counters);
});

test('lost map outputs sharing one output log: each lost map re-runs once, however many reducers report it', async (t) => {
  // Maps 1 and 2 of one worker: their small outputs are two ranges of the same output log file.
  const log = '/w/map-outputs.1.out';
  const seg = (file: string, offset: number) => ({ file, offset, length: 10, records: 1 });
  const outputs = [
    { file: '/w/m0.out', segments: [seg('/w/m0.out', 0), seg('/w/m0.out', 10)] },
    { file: log, shared: true, segments: [seg(log, 0), seg(log, 10)] },
    { file: log, shared: true, segments: [seg(log, 20), seg(log, 30)] },
  ];
  const runs: string[] = [];
  const maps: PhaseTask[] = outputs.map((_, i) => ({
    taskId: `m_${i}`,
    spec: (attempt) => ({ type: 'map', taskIndex: i, attempt, attemptId: `m${i}_${attempt}` }) as unknown as TaskSpec,
    commit: async () => {},
    discard: async () => {},
  }));
  const lost = new LostMapOutputs(
    maps,
    outputs,
    async (task) => {
      const spec = task.spec(0);
      runs.push(spec.attemptId);
      await new Promise((r) => setTimeout(r, 5));
      // The re-run appends to the same worker's output log.
      const base = 40 + 20 * runs.length;
      outputs[spec.taskIndex] = { file: log, shared: true, segments: [seg(log, base), seg(log, base + 10)] };
    },
    () => {},
    true,
  );
  const reduce = (r: number) => ({ type: 'reduce', taskIndex: r, attemptId: `r${r}_0`, segments: outputs.map((o) => o.segments[r]!) }) as unknown as TaskSpec;
  const [r0, r1] = [reduce(0), reduce(1)];
  // Both reducers report both maps while the re-runs are under way, and once more after.
  const failure = (spec: TaskSpec) => new ShuffleFetchFailure(spec.attemptId, [1, 2], 'host-b is down');
  t.deepEqual(await Promise.all([lost.recover(failure(r0), r0), lost.recover(failure(r1), r1)]), [true, true]);
  t.true(await lost.recover(failure(r1), r1));
  t.deepEqual(runs.sort(), ['m1_0', 'm2_0']);
  // A reducer that read the new outputs and lost them again gets new attempts.
  const again = reduce(0);
  t.true(await lost.recover(new ShuffleFetchFailure('r0_1', [2], 'down again'), again));
  t.deepEqual(runs.sort(), ['m1_0', 'm2_0', 'm2_1']);
});

test('a runner that queues attempts gets every map task at once', async (t) => {
  const s = setup(60);
  const ref = await reference(s, { splitSize: 300 });
  const events: string[] = [];
  const inline = new InlineRunner();
  let chain: Promise<unknown> = Promise.resolve();
  // One at a time behind its own queue, as a scheduler would; reports the start.
  const runner: TaskRunner = {
    name: 'queueing',
    slots: 1,
    queuesAttempts: true,
    runAttempt(spec, progress, options) {
      events.push(`call ${spec.type} ${spec.taskIndex}`);
      const run = chain.then(async () => {
        options?.onStart?.('somewhere');
        const r = await inline.runAttempt(spec, progress, options);
        events.push(`done ${spec.type} ${spec.taskIndex}`);
        return r;
      });
      chain = run.catch(() => {});
      return run;
    },
    close: () => inline.close(),
  };
  await runJob({ jobModule: STRAGGLER, input: [s.input], output: s.out, runner, splitSize: 300, reducers: 3, workRoot: s.work });
  const splits = ref.report.maps;
  t.true(splits >= 3);
  const firstDone = events.findIndex((e) => e.startsWith('done'));
  t.deepEqual(events.slice(0, firstDone).sort(), Array.from({ length: splits }, (_, i) => `call map ${i}`).sort(), events.join('\n'));
  const reduceCalls = events.filter((e) => e.startsWith('call reduce'));
  t.is(reduceCalls.length, 3);
  t.true(events.indexOf('call reduce 2') < events.indexOf('done reduce 0'), events.join('\n'));
  t.is(outputLines(s.out), ref.lines);
});

/** A runner whose attempts end when the test says (ignoring kills, like one that cannot stop them). */
class HeldRunner implements TaskRunner {
  readonly name = 'held';
  readonly slots = 2;
  readonly held = new Map<string, { resolve: (r: TaskResult) => void; reject: (e: Error) => void; signal: AbortSignal | undefined }>();
  runAttempt(spec: TaskSpec, _progress: AttemptProgress, options?: AttemptOptions): Promise<TaskResult> {
    options?.onStart?.('here');
    if (spec.taskIndex === 1) return Promise.resolve({ counters: {}, maxRss: 0 });
    return new Promise((resolve, reject) => this.held.set(spec.attemptId, { resolve, reject, signal: options?.signal }));
  }
  async close(): Promise<void> {}
}

/** Two tasks; task 0 straggles (attempt ids `t<task>_<attempt>`); records commits and discards. */
function heldPhase(runner: HeldRunner) {
  const commits: string[] = [];
  const discards: string[] = [];
  const logs: string[] = [];
  const tasks: PhaseTask[] = [0, 1].map((i) => ({
    taskId: `task_${i}`,
    spec: (attempt) => ({ type: 'reduce', taskIndex: i, attempt, attemptId: `t${i}_${attempt}` }) as unknown as TaskSpec,
    commit: async (spec) => void commits.push(spec.attemptId),
    discard: async (spec) => void discards.push(spec.attemptId),
  }));
  const done: number[] = [];
  const stats = { speculativeAttempts: 0, killedAttempts: 0 };
  // Counts the speculation checks (each reads `enabled`), so a test can wait for rounds, not for time.
  const rounds = { count: 0 };
  const speculation = {
    get enabled(): boolean {
      rounds.count++;
      return true;
    },
    minRunMs: 100,
    lag: 0.2,
  };
  const phase = runPhase(tasks, {
    runner,
    maxAttempts: 4,
    jobModule: 'none',
    log: (l) => logs.push(l),
    onTaskProgress: () => {},
    onTaskDone: (i) => done.push(i),
    speculation,
    stats,
  });
  return { phase, commits, discards, logs, done, stats, rounds };
}

test('speculative pair, both attempts succeed: only the first is committed, the loser is aborted and discarded', async (t) => {
  const runner = new HeldRunner();
  const p = heldPhase(runner);
  await waitFor(() => runner.held.has('t0_1'), { what: 'the speculative attempt t0_1' });
  const speculating = p.logs.filter((l) => l.startsWith('speculating'));
  t.is(speculating.length, 1);
  t.regex(speculating[0]!, /^speculating task_0 \(attempt 1\): progress 0\.00 vs average 0\.50 after \d+ s$/);
  runner.held.get('t0_1')!.resolve({ counters: {}, maxRss: 0 });
  await waitFor(() => p.commits.includes('t0_1'), { what: 'attempt t0_1 committed' });
  t.is(runner.held.get('t0_0')!.signal?.reason, 'another attempt won');
  // The loser ends successfully anyway (the runner could not stop it): discarded, not committed.
  runner.held.get('t0_0')!.resolve({ counters: {}, maxRss: 0 });
  await p.phase;
  t.deepEqual(p.commits.sort(), ['t0_1', 't1_0']);
  t.deepEqual(p.discards, ['t0_0']);
  t.deepEqual(p.done.sort(), [0, 1]);
  t.true(p.logs.includes('attempt t0_1 won; killed attempt t0_0'), p.logs.join('\n'));
  t.is(p.stats.speculativeAttempts, 1);
});

test('speculative pair, one attempt fails: the other keeps running, no retry, no second speculation', async (t) => {
  const runner = new HeldRunner();
  const p = heldPhase(runner);
  await waitFor(() => runner.held.has('t0_1'), { what: 'the speculative attempt t0_1' });
  runner.held.get('t0_1')!.reject(new Error('disk on fire'));
  // Several speculation rounds after the failure (counted, not timed): none launches an attempt.
  const after = p.rounds.count;
  await waitFor(() => p.rounds.count >= after + 5, { what: 'five speculation rounds after the failure' });
  t.deepEqual([...runner.held.keys()], ['t0_0', 't0_1'], 'no new attempt while attempt 0 runs');
  t.true(p.logs.includes('attempt t0_1 failed: disk on fire (attempt t0_0 still running)'), p.logs.join('\n'));
  runner.held.get('t0_0')!.resolve({ counters: {}, maxRss: 0 });
  await p.phase;
  t.deepEqual(p.commits.sort(), ['t0_0', 't1_0']);
  t.deepEqual(p.discards, ['t0_1']);
  t.is(p.stats.speculativeAttempts, 1);
});
