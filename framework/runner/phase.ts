import PQueue from 'p-queue';
import type { TaskResult, TaskSpec } from '../task/spec.ts';
import { probableCause } from './diagnose.ts';
import { AttemptFailure, type TaskRunner } from './types.ts';

/** A task that failed all its attempts: the job fails with this. */
export class TaskFailedError extends Error {
  constructor(
    readonly taskId: string,
    readonly attempts: number,
    readonly last: unknown,
    readonly cause_: string,
  ) {
    const e = last as Partial<AttemptFailure>;
    const tail = e.stderrTail?.trim() ? `\n--- stderr tail of the last attempt ---\n${e.stderrTail.trim().split('\n').slice(-20).join('\n')}` : '';
    super(`task ${taskId} failed ${attempts} times; last error: ${e.message ?? String(last)}\nprobable cause: ${cause_}${tail}`);
    this.name = 'TaskFailedError';
  }
}

export interface PhaseTask {
  readonly taskId: string;
  /** Spec of attempt number `attempt` (0-based). */
  spec(attempt: number): TaskSpec;
  /** Called with the winning attempt (commit it); runs before the task counts as done. */
  commit(spec: TaskSpec, result: TaskResult): Promise<void>;
  /** Called for a failed attempt (discard its output). */
  discard(spec: TaskSpec): Promise<void>;
}

export interface PhaseOptions {
  readonly runner: TaskRunner;
  readonly maxAttempts: number;
  readonly jobModule: string;
  readonly log: (line: string) => void;
  readonly onTaskProgress: (index: number, fraction: number, bytes: number) => void;
  readonly onTaskDone: (index: number, result: TaskResult) => void;
}

/** Run one phase (all maps or all reduces of a step) with retries; rejects when a task fails for good. */
export async function runPhase(tasks: readonly PhaseTask[], opts: PhaseOptions): Promise<void> {
  const type = tasks[0]?.spec(0).type ?? 'map';
  const queue = new PQueue({ concurrency: Math.max(1, opts.runner.slotsFor?.(type) ?? opts.runner.slots) });
  let failure: unknown;
  const runOne = async (task: PhaseTask, index: number): Promise<void> => {
    let last: unknown;
    for (let attempt = 0; attempt < opts.maxAttempts; attempt++) {
      if (failure) return;
      const spec = task.spec(attempt);
      try {
        const result = await opts.runner.runAttempt(spec, (f, b) => opts.onTaskProgress(index, f, b));
        await task.commit(spec, result);
        opts.onTaskDone(index, result);
        return;
      } catch (err) {
        last = err;
        await task.discard(spec).catch(() => {});
        if (failure) return;
        const msg = err instanceof Error ? err.message : String(err);
        opts.log(`attempt ${spec.attemptId} failed: ${msg.split('\n')[0]}${attempt + 1 < opts.maxAttempts ? ' (retrying)' : ''}`);
      }
    }
    failure ??= new TaskFailedError(task.taskId, opts.maxAttempts, last, probableCause(last, opts.jobModule));
    queue.clear();
  };
  tasks.forEach((t, i) => void queue.add(() => runOne(t, i)));
  await queue.onIdle();
  if (failure) throw failure;
}
