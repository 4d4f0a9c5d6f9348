import { isDeterministic } from '../task/deterministic.ts';
import type { TaskResult, TaskSpec } from '../task/spec.ts';

export type AttemptProgress = (fraction: number, bytes: number) => void;

/** How the caller follows and controls one attempt. */
export interface AttemptOptions {
  /** Aborting kills the attempt (a losing speculative attempt, a preempted or cancelled one). */
  readonly signal?: AbortSignal;
  /** Called once when the attempt leaves the queue and starts on a slot. */
  readonly onStart?: (where: string) => void;
  /**
   * Called when all the attempt has left to do is upload its output (runners that can tell): its slot
   * may go to the next task while the upload finishes; the attempt still ends, and commits, as before.
   */
  readonly onUploading?: () => void;
}

/** Runs task attempts somewhere (in-process, local workers, SSH hosts); knows nothing of jobs. */
export interface TaskRunner {
  readonly name: string;
  /** Attempts that may run at once. */
  readonly slots: number;
  /** Slots for one kind of task, when they differ (cluster: map slots vs reduce slots). */
  slotsFor?(type: 'map' | 'reduce'): number;
  /**
   * True when the runner queues attempts itself (a scheduler decides which one gets a free slot), so
   * callers hand it every task at once instead of at most `slots`.
   */
  readonly queuesAttempts?: boolean;
  /** Prepare before the first attempt (e.g. connect to the machines, join the scheduler); errors fail the job. */
  start?(job: { readonly id: string; readonly name: string }): Promise<void>;
  runAttempt(spec: TaskSpec, progress: AttemptProgress, options?: AttemptOptions): Promise<TaskResult>;
  /** Stop all workers (running attempts fail). */
  close(): Promise<void>;
}

/** A failed attempt, with what the operator needs to see. */
export class AttemptFailure extends Error {
  constructor(
    readonly attemptId: string,
    message: string,
    readonly stderrTail: string,
    readonly errorName?: string,
    readonly errorStack?: string,
    readonly exit?: { code: number | null; signal: string | null },
    /** The task said another attempt would fail the same way (bad input): the task is not retried. */
    readonly deterministic = false,
  ) {
    super(message);
    this.name = 'AttemptFailure';
  }
}

/**
 * An attempt killed from outside (preempted by the scheduler, or the loser of a speculative pair):
 * like Hadoop's KILLED state it does not count toward the task's failed attempts.
 */
export class AttemptKilled extends AttemptFailure {
  /** `preempted`: the scheduler took the slot back; like Hadoop, that never fails the task however often. */
  constructor(
    attemptId: string,
    readonly reason: string,
    readonly preempted = false,
  ) {
    super(attemptId, `attempt killed: ${reason}`, '');
    this.name = 'AttemptKilled';
  }
}

/** The reason an aborted attempt's signal carries: `signal.reason` when a string, else 'killed'. */
export function killReason(signal: AbortSignal): string {
  return typeof signal.reason === 'string' ? signal.reason : 'killed';
}

/** What killed an attempt, if anything: its (aborted) signal, or a kill with a reason (preempted or not). */
export type KillCause = AbortSignal | { readonly reason: string; readonly preempted?: boolean } | undefined;

/**
 * How an attempt that gave no result ended, decided in one place for every runner. Killed, when a
 * kill cause is present (an aborted signal, or a kill with a reason): then it never counts as a
 * failure. Otherwise failed: the error itself when it is already an AttemptFailure (a lost map output,
 * a timeout, a remote worker's report), else wrapped with its message, name, stack and whether it is
 * deterministic (bad input: never retried).
 */
export function attemptEnded(attemptId: string, err: unknown, killed?: KillCause): AttemptFailure {
  const kill = killed instanceof AbortSignal ? (killed.aborted ? { reason: killReason(killed) } : undefined) : killed;
  if (kill) return err instanceof AttemptKilled ? err : new AttemptKilled(attemptId, kill.reason, kill.preempted ?? false);
  if (err instanceof AttemptFailure) return err;
  const e = err instanceof Error ? err : new Error(String(err));
  return new AttemptFailure(attemptId, e.message, '', e.name, e.stack, undefined, isDeterministic(e));
}

/**
 * A reduce attempt could not fetch map outputs (their host is gone or the files are lost): the driver
 * re-runs those maps, then the reduce again; the attempt does not count as failed.
 */
export class ShuffleFetchFailure extends AttemptFailure {
  constructor(
    attemptId: string,
    /** Indexes into the reduce spec's segments, i.e. the map task indexes whose output is lost. */
    readonly mapIndexes: readonly number[],
    message: string,
  ) {
    super(attemptId, message, '');
    this.name = 'ShuffleFetchFailure';
  }
}
