import { loadJob } from './load-job.ts';
import { runMapTask, type ProgressFn } from './map-task.ts';
import { runReduceTask } from './reduce-task.ts';
import type { TaskResult, TaskSpec } from './spec.ts';

/** Run one task attempt in this process (used by the worker entry point and the inline runner). */
export async function runTask(spec: TaskSpec, progress: ProgressFn): Promise<TaskResult> {
  const job = await loadJob(spec.jobModule, spec.jobExport);
  const result = spec.type === 'map' ? await runMapTask(job, spec, progress) : await runReduceTask(job, spec, progress);
  return { ...result, maxRss: process.resourceUsage().maxRSS * 1024 };
}
