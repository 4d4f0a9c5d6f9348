import { isDeterministic } from '../task/deterministic.ts';
import { runTask } from '../task/run-task.ts';
import type { TaskResult, TaskSpec } from '../task/spec.ts';
import { AttemptFailure, AttemptKilled, killReason, type AttemptOptions, type AttemptProgress, type TaskRunner } from './types.ts';

/**
 * Runs attempts one at a time in this process: for tests and debuggers. It cannot stop an attempt that
 * is running (there is no process to kill): a signal aborted before the start rejects at once, one
 * aborted during the run makes the attempt reject with AttemptKilled when it ends, result dropped.
 */
export class InlineRunner implements TaskRunner {
  readonly name = 'inline';
  readonly slots = 1;

  async runAttempt(spec: TaskSpec, progress: AttemptProgress, options: AttemptOptions = {}): Promise<TaskResult> {
    const { signal } = options;
    if (signal?.aborted) throw new AttemptKilled(spec.attemptId, killReason(signal));
    options.onStart?.('localhost');
    let result: TaskResult;
    try {
      result = await runTask(spec, progress);
    } catch (err) {
      if (signal?.aborted) throw new AttemptKilled(spec.attemptId, killReason(signal));
      const e = err instanceof Error ? err : new Error(String(err));
      throw new AttemptFailure(spec.attemptId, e.message, '', e.name, e.stack, undefined, isDeterministic(e));
    }
    if (signal?.aborted) throw new AttemptKilled(spec.attemptId, killReason(signal));
    return result;
  }

  async close(): Promise<void> {}
}
