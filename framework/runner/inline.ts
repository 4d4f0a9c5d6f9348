import { runTask } from '../task/run-task.ts';
import type { TaskResult, TaskSpec } from '../task/spec.ts';
import { attemptEnded, type AttemptOptions, type AttemptProgress, type TaskRunner } from './types.ts';

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
    if (signal?.aborted) throw attemptEnded(spec.attemptId, undefined, signal);
    options.onStart?.('localhost');
    let result: TaskResult;
    try {
      result = await runTask(spec, progress);
    } catch (err) {
      throw attemptEnded(spec.attemptId, err, signal);
    }
    if (signal?.aborted) throw attemptEnded(spec.attemptId, undefined, signal);
    return result;
  }

  async close(): Promise<void> {}
}
