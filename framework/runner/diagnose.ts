import { parseDiskFull } from '../task/disk-full.ts';
import { AttemptFailure } from './types.ts';

/** A task that failed all its attempts, or one attempt with a deterministic error: the job fails with this. */
export class TaskFailedError extends Error {
  constructor(
    readonly taskId: string,
    readonly attempts: number,
    readonly last: unknown,
    readonly cause_: string,
  ) {
    const e = last as Partial<AttemptFailure>;
    const tail = e.stderrTail?.trim() ? `\n--- stderr tail of the last attempt ---\n${e.stderrTail.trim().split('\n').slice(-20).join('\n')}` : '';
    const times = attempts === 1 ? 'once' : `${attempts} times`;
    const how = e.deterministic ? `failed ${times}, not retried (a deterministic error: every attempt would fail the same way); error:` : `failed ${times}; last error:`;
    super(`task ${taskId} ${how} ${e.message ?? String(last)}\nprobable cause: ${cause_}${tail}`);
    this.name = 'TaskFailedError';
  }
}

/** Why a disk-full error happened and what to do, from the role and mount point its message names. */
function diskFullCause(message: string): string {
  const d = parseDiskFull(message);
  const on = d?.mount ? ` (the filesystem mounted at ${d.mount})` : '';
  if (d?.role === 'output') return `disk full on the job's output directory${on}: free space there or write the output elsewhere (--output, --index-root)`;
  if (d?.role === 'local') return `disk full on the task's local directory${on}, which holds spills, map outputs and scratch files: free space there or point TMPDIR at a larger disk`;
  return `disk full${d ? ` on ${d.dir}${on}` : ''} (ENOSPC)`;
}

/** The first stack frame of an error's stack, if it has one. */
function firstFrame(stack: string | undefined): string | undefined {
  return (stack ?? '').split('\n').map((l) => l.trim()).find((l) => l.startsWith('at '));
}

/** A one-line guess at why an attempt failed, from its error and stderr tail. */
export function probableCause(err: unknown, jobModule: string): string {
  if (!(err instanceof AttemptFailure)) return 'unknown (see the error above)';
  const text = `${err.message}\n${err.errorStack ?? ''}\n${err.stderrTail}`;
  if (err.errorName === 'TaskTimeout') return 'the task stopped reporting progress (an endless loop, or a long computation that does not call ctx.progress())';
  if (/heap out of memory|Allocation failed/i.test(text)) return 'out of memory: lower --sort-mb or the memory the job keeps per task';
  if (err.exit?.signal === 'SIGKILL') return 'the worker process was killed (SIGKILL: out-of-memory killer or an operator)';
  if (err.exit) return `the worker process died (${err.exit.signal ?? `exit code ${err.exit.code}`}) without reporting an error`;
  if (err.errorName === 'InputError') return 'bad input: see the file and byte offset in the error';
  if (err.errorName === 'DiskFullError') return diskFullCause(err.message);
  if (/ENOSPC|no space left on device/i.test(text)) return 'disk full (ENOSPC) on a directory the task writes';
  if (/EACCES|permission denied/i.test(text)) return 'permission denied on a file the task reads or writes';
  if (/ENOENT|no such file/i.test(text)) return 'a file the task needs is missing (was the input changed during the job?)';
  const frame = (err.errorStack ?? '').split('\n').find((l) => l.includes(jobModule));
  if (frame) return `the job's code threw: ${frame.trim().replace(/^at /, 'at ')}`;
  if (err.deterministic) return 'the task reported a deterministic error (bad input or configuration): fix what the error names and run again';
  const top = firstFrame(err.errorStack);
  if (top) return `the task threw ${err.errorName ?? 'an error'} ${top}`;
  return `the task failed with ${err.errorName ?? 'an error'} and reported no stack trace`;
}
