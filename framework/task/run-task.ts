import path from 'node:path';
import { isLocal } from '../fs/resolve.ts';
import { diskFullError, isDiskFull, type TaskDir } from './disk-full.ts';
import { loadJob } from './load-job.ts';
import { runMapTask, type ProgressFn } from './map-task.ts';
import { runReduceTask } from './reduce-task.ts';
import type { TaskHooks, TaskResult, TaskSpec } from './spec.ts';
import { defaultWorkRoot } from '../fs/work-root.ts';

/** Run one task attempt in this process (used by the worker entry point and the inline runner). */
export async function runTask(spec: TaskSpec, progress: ProgressFn, hooks: TaskHooks = {}): Promise<TaskResult> {
  try {
    const job = await loadJob(spec.jobModule, spec.jobExport);
    const result = spec.type === 'map' ? await runMapTask(job, spec, progress) : await runReduceTask(job, spec, progress, hooks);
    return { ...result, maxRss: process.resourceUsage().maxRSS * 1024 };
  } catch (err) {
    // "ENOSPC: no space left on device, write" names no file: say which directory, and what it is for.
    if (isDiskFull(err)) throw diskFullError(err, taskDirs(spec));
    throw err;
  }
}

/** The local directories an attempt writes: spills / map output, its output, scratch (merges, index postings). */
function taskDirs(spec: TaskSpec): TaskDir[] {
  const dirs: TaskDir[] = [];
  if (spec.type === 'map') dirs.push({ role: 'local', dir: spec.spillDir });
  if (spec.output && isLocal(spec.output.dir)) dirs.push({ role: spec.output.kind === 'final' ? 'output' : 'local', dir: spec.output.dir });
  dirs.push({ role: 'local', dir: path.join(defaultWorkRoot(), spec.jobId) });
  return dirs;
}
