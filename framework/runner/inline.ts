import { runTask } from '../task/run-task.ts';
import type { TaskResult, TaskSpec } from '../task/spec.ts';
import { AttemptFailure, type AttemptProgress, type TaskRunner } from './types.ts';

/** Runs attempts one at a time in this process: for tests and debuggers. */
export class InlineRunner implements TaskRunner {
  readonly name = 'inline';
  readonly slots = 1;

  async runAttempt(spec: TaskSpec, progress: AttemptProgress): Promise<TaskResult> {
    try {
      return await runTask(spec, progress);
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      throw new AttemptFailure(spec.attemptId, e.message, '', e.name, e.stack);
    }
  }

  async close(): Promise<void> {}
}
