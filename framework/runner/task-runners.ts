import type { RunnerName } from './options.ts';
import type { TaskRunner } from './types.ts';

/** What a task runner built by name may use. */
export interface TaskRunnerOptions {
  readonly workers?: number;
  readonly taskTimeoutMs?: number;
}

/**
 * The task runners of this layer by name, each loaded only when chosen (for programs and tests that
 * call runJob with `runner: 'inline' | 'local'`). The cluster's runner lives in a higher layer and is
 * always handed in as a TaskRunner (cli/run/runners.ts or the scheduler daemon).
 */
const TASK_RUNNERS: Readonly<Partial<Record<RunnerName, (o: TaskRunnerOptions) => Promise<TaskRunner>>>> = {
  inline: async () => new (await import('./inline.ts')).InlineRunner(),
  local: async (o) => new (await import('./local.ts')).LocalRunner(o.workers, o.taskTimeoutMs),
};

export async function taskRunnerByName(name: RunnerName, options: TaskRunnerOptions): Promise<TaskRunner> {
  const make = TASK_RUNNERS[name];
  if (!make) throw new Error(`runner "${name}": pass it to runJob as a TaskRunner (bsctl run --runner ${name} builds it)`);
  return make(options);
}
