import type { TaskResult, TaskSpec } from '../task/spec.ts';
import { probableCause, TaskFailedError } from './diagnose.ts';
import type { PhaseOptions, PhaseStats, PhaseTask } from './phase.ts';
import { attemptRecord } from './attempt-record.ts';
import { AttemptFailure, AttemptKilled } from './types.ts';

/** What the attempts of one phase share. */
export interface PhaseState {
  readonly opts: PhaseOptions;
  readonly stats: PhaseStats;
  /** Attempts (and input recoveries) holding a slot. */
  busy: number;
  /** The error the phase fails with; set once, then no attempt is launched or committed. */
  failure: unknown;
  /** The runner calls onStart: an attempt without a start is still queued in the runner. */
  runnerReportsStarts: boolean;
  /** Attempts not yet ended (the phase waits for them). */
  readonly pending: Set<Promise<void>>;
  fail(err: unknown): void;
}

export interface Attempt {
  readonly spec: TaskSpec;
  readonly speculative: boolean;
  readonly launched: number;
  readonly abort: AbortController;
  started: number | undefined;
  /** Where the runner started it (a machine name; `localhost` for local runners). */
  machine: string;
  progress: number;
  /** Bytes read so far (its last progress report). */
  bytes: number;
}

const firstLine = (err: unknown): string => (err instanceof Error ? err.message : String(err)).split('\n')[0]!;

/**
 * The attempts of one task: at most two at once (the second speculative); the first to succeed is
 * committed, the other killed. Killed attempts and repaired input losses do not count as failures.
 */
export class TaskAttempts {
  private next = 0;
  /** Attempts that count toward maxAttempts, and those that do not (killed, lost their input). */
  private failed = 0;
  private uncounted = 0;
  readonly running: Attempt[] = [];
  speculated = false;
  done = false;
  /** Ends the task's turn in the phase's queue. */
  finish: () => void = () => {};

  constructor(
    readonly task: PhaseTask,
    readonly index: number,
    private readonly phase: PhaseState,
  ) {}

  private get uncountedCap(): number {
    return 4 * this.phase.opts.maxAttempts + 10;
  }

  private endIfIdle(): void {
    if (this.running.length === 0) this.finish();
  }

  launch(speculative: boolean): Attempt {
    const { phase } = this;
    const a: Attempt = { spec: this.task.spec(this.next++), speculative, launched: Date.now(), abort: new AbortController(), started: undefined, machine: '', progress: 0, bytes: 0 };
    this.running.push(a);
    phase.busy++;
    const progress = (f: number, b: number): void => {
      a.progress = f;
      a.bytes = b;
      if (!this.done && this.running.every((o) => o.progress <= f)) phase.opts.onTaskProgress(this.index, f, b);
    };
    const onStart = (where: string): void => {
      a.started ??= Date.now();
      a.machine = where;
      phase.runnerReportsStarts = true;
    };
    // Only its upload left: the next task may have the slot (the attempt still ends and commits here).
    const onUploading = (): void => {
      if (!speculative) this.finish();
    };
    const run = async (): Promise<void> => {
      let result: TaskResult | undefined;
      let error: unknown;
      try {
        result = await phase.opts.runner.runAttempt(a.spec, progress, { signal: a.abort.signal, onStart, onUploading });
      } catch (e) {
        error = e ?? new Error('attempt failed');
      }
      this.running.splice(this.running.indexOf(a), 1);
      phase.busy--;
      // History's record of the attempt: succeeded only once committed (a loser, or a failed commit, is not).
      const record = (outcome: { result: TaskResult } | { error: unknown }): void => phase.opts.onAttempt?.(attemptRecord(a.spec, this.task.taskId, { ...a, start: a.started }, outcome));
      try {
        if (error === undefined) {
          const notCommitted = await this.succeeded(a, result!);
          record(notCommitted === undefined ? { result: result! } : { error: notCommitted });
        } else {
          record({ error });
          await this.failedAttempt(a, error);
        }
      } catch (e) {
        phase.fail(e);
        this.endIfIdle();
      }
    };
    const p = run().finally(() => phase.pending.delete(p));
    phase.pending.add(p);
    return a;
  }

  /** Commit the attempt's output; resolves with why it was not committed (a loser's, a failed commit's), else undefined. */
  private async succeeded(a: Attempt, result: TaskResult): Promise<unknown> {
    if (this.done || this.phase.failure) {
      await this.task.discard(a.spec).catch(() => {});
      this.endIfIdle();
      return new AttemptKilled(a.spec.attemptId, this.done ? 'another attempt of the task was committed' : 'the phase failed');
    }
    this.done = true; // claimed before the await: the other attempt cannot commit too
    try {
      await this.task.commit(a.spec, result);
    } catch (err) {
      this.done = false;
      await this.failedAttempt(a, err);
      return err;
    }
    for (const other of this.running) {
      other.abort.abort(other.speculative ? 'speculative attempt lost' : 'another attempt won');
      this.phase.opts.log(`attempt ${a.spec.attemptId} won; killed attempt ${other.spec.attemptId}`);
    }
    this.phase.opts.onTaskDone(this.index, result);
    this.finish();
  }

  private async failedAttempt(a: Attempt, err: unknown): Promise<void> {
    const { phase } = this;
    const killed = err instanceof AttemptKilled;
    if (killed) phase.stats.killedAttempts++;
    // The attempt has ended (its worker is gone), so nothing it writes can land after this.
    await this.task.discard(a.spec).catch(() => {});
    if (this.done || phase.failure) return this.endIfIdle();
    // Bad input and the like: another attempt would fail the same way, so the job fails now.
    if (!killed && err instanceof AttemptFailure && err.deterministic) {
      this.failed++;
      phase.opts.log(`attempt ${a.spec.attemptId} failed: ${firstLine(err)} (deterministic: not retried)`);
      phase.fail(new TaskFailedError(this.task.taskId, this.failed, err, probableCause(err, phase.opts.jobModule)));
      return this.endIfIdle();
    }
    let counts = !killed;
    if (counts && this.task.recover) {
      phase.busy++; // re-running lost inputs takes the attempt's slot
      try {
        counts = !(await this.task.recover(err, a.spec));
      } finally {
        phase.busy--;
      }
      if (this.done || phase.failure) return this.endIfIdle();
    }
    if (counts) this.failed++;
    else if (!(killed && (err as AttemptKilled).preempted)) this.uncounted++;
    const what = killed ? `killed (${(err as AttemptKilled).reason})` : `failed: ${firstLine(err)}${counts ? '' : ' (not counted)'}`;
    const other = this.running[0];
    if (other) return phase.opts.log(`attempt ${a.spec.attemptId} ${what} (attempt ${other.spec.attemptId} still running)`);
    const retry = counts ? this.failed < phase.opts.maxAttempts : this.uncounted < this.uncountedCap;
    phase.opts.log(`attempt ${a.spec.attemptId} ${what}${retry ? ' (retrying)' : ''}`);
    if (retry) return void this.launch(false);
    const cause = counts ? probableCause(err, phase.opts.jobModule) : `its attempts were killed or lost their input ${this.uncounted} times (limit ${this.uncountedCap})`;
    phase.fail(new TaskFailedError(this.task.taskId, this.failed + (counts ? 0 : this.uncounted), err, cause));
    this.finish();
  }
}
