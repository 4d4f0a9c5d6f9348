import PQueue from 'p-queue';
import type { TaskResult, TaskSpec } from '../task/spec.ts';
import { pickStragglers, type Speculation } from './speculation.ts';
import { TaskAttempts, type Attempt, type PhaseState } from './task-attempts.ts';
import type { TaskRunner } from './types.ts';
import type { AttemptRecord } from './attempt-record.ts';

export { TaskFailedError } from './diagnose.ts';

export interface PhaseTask {
  readonly taskId: string;
  /** Spec of attempt number `attempt` (0-based; every attempt of the task gets a new number). */
  spec(attempt: number): TaskSpec;
  /** Called once, with the winning attempt (commit it); runs before the task counts as done. */
  commit(spec: TaskSpec, result: TaskResult): Promise<void>;
  /** Called for every other attempt (failed, killed, or a losing speculative one): discard its output. */
  discard(spec: TaskSpec): Promise<void>;
  /**
   * Called when an attempt failed (not killed): resolve true when the failure was not the task's own
   * and has been repaired (lost map outputs re-run), so the attempt does not count and the task is
   * retried; rejecting fails the phase with that error.
   */
  recover?(err: unknown, spec: TaskSpec): Promise<boolean>;
}

/** Attempt tallies of a job, updated by its phases. */
export interface PhaseStats {
  speculativeAttempts: number;
  killedAttempts: number;
}

export interface PhaseOptions {
  readonly runner: TaskRunner;
  /** Failed attempts per task before the phase fails (killed attempts do not count). */
  readonly maxAttempts: number;
  readonly jobModule: string;
  readonly log: (line: string) => void;
  readonly onTaskProgress: (index: number, fraction: number, bytes: number) => void;
  readonly onTaskDone: (index: number, result: TaskResult) => void;
  /** Speculative execution (default off). */
  readonly speculation?: Speculation;
  readonly stats?: PhaseStats;
  /** Aborting fails the phase at once (its running attempts are killed): the job was interrupted. */
  readonly signal?: AbortSignal;
  /** Every attempt that ended (succeeded, failed or killed), for history. */
  readonly onAttempt?: (record: AttemptRecord) => void;
}

/**
 * Run one phase (all maps or all reduces of a step) with retries and speculative attempts; rejects
 * when a task fails for good. Returns once every attempt it launched has ended. Hands the runner at
 * most its slots' worth of attempts, or every task at once when the runner queues attempts itself.
 */
export async function runPhase(tasks: readonly PhaseTask[], opts: PhaseOptions): Promise<void> {
  const { runner } = opts;
  const type = tasks[0]?.spec(0).type ?? 'map';
  const slots = runner.queuesAttempts ? Infinity : Math.max(1, runner.slotsFor?.(type) ?? runner.slots);
  const queue = new PQueue({ concurrency: slots });
  const phase: PhaseState = {
    opts,
    stats: opts.stats ?? { speculativeAttempts: 0, killedAttempts: 0 },
    busy: 0,
    failure: undefined,
    runnerReportsStarts: false,
    pending: new Set(),
    fail(err) {
      if (this.failure) return;
      this.failure = err;
      queue.clear();
      // A runner that queues attempts holds the other tasks' attempts too: they must not run on.
      for (const st of states) for (const a of st.running) a.abort.abort('another task of the phase failed for good');
    },
  };
  const states: TaskAttempts[] = tasks.map((task, index) => new TaskAttempts(task, index, phase));
  const interrupted = (): void => phase.fail(opts.signal!.reason instanceof Error ? opts.signal!.reason : new Error(String(opts.signal!.reason ?? 'interrupted')));
  if (opts.signal?.aborted) interrupted();
  opts.signal?.addEventListener('abort', interrupted, { once: true });

  const speculate = (): void => {
    if (phase.failure || !opts.speculation) return;
    const since = (a: Attempt): number | undefined => a.started ?? (phase.runnerReportsStarts ? undefined : a.launched);
    // Only when every task has had its first slot (Hadoop: stragglers come after new tasks).
    if (queue.size > 0 || states.some((st) => st.running.some((a) => since(a) === undefined))) return;
    const views = states.map((st) => ({ done: st.done, speculated: st.speculated, attempts: st.running.map((a) => ({ progress: a.progress, speculative: a.speculative, runningSince: since(a) })) }));
    for (const s of pickStragglers(views, Date.now(), opts.speculation, slots - phase.busy)) {
      const st = states[s.index]!;
      st.speculated = true;
      phase.stats.speculativeAttempts++;
      const a = st.launch(true);
      opts.log(`speculating ${st.task.taskId} (attempt ${a.spec.attempt}): progress ${s.progress.toFixed(2)} vs average ${s.average.toFixed(2)} after ${Math.round(s.ranMs / 1000)} s`);
    }
  };
  const every = opts.speculation ? Math.min(1000, Math.max(50, opts.speculation.minRunMs / 4)) : 0;
  const timer = opts.speculation?.enabled ? setInterval(speculate, every) : undefined;

  try {
    for (const st of states) {
      void queue.add(
        () =>
          new Promise<void>((resolve) => {
            st.finish = resolve;
            if (phase.failure) return resolve();
            st.launch(false);
          }),
      );
    }
    await queue.onIdle();
  } finally {
    opts.signal?.removeEventListener('abort', interrupted);
    clearInterval(timer);
    while (phase.pending.size) await Promise.all(phase.pending);
  }
  if (phase.failure) throw phase.failure;
}
