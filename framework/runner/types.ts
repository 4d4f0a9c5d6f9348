import type { TaskResult, TaskSpec } from '../task/spec.ts';

export type AttemptProgress = (fraction: number, bytes: number) => void;

/** Runs task attempts somewhere (in-process, local workers, SSH hosts); knows nothing of jobs. */
export interface TaskRunner {
  readonly name: string;
  /** Attempts that may run at once. */
  readonly slots: number;
  /** Slots for one kind of task, when they differ (cluster: map slots vs reduce slots). */
  slotsFor?(type: 'map' | 'reduce'): number;
  /** Prepare before the first attempt (e.g. connect to the machines); errors fail the job. */
  start?(): Promise<void>;
  runAttempt(spec: TaskSpec, progress: AttemptProgress): Promise<TaskResult>;
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
  ) {
    super(message);
    this.name = 'AttemptFailure';
  }
}
