import { AttemptFailure } from './types.ts';

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

/** A one-line guess at why an attempt failed, from its error and stderr tail. */
export function probableCause(err: unknown, jobModule: string): string {
  if (!(err instanceof AttemptFailure)) return 'unknown (see the error above)';
  const text = `${err.message}\n${err.errorStack ?? ''}\n${err.stderrTail}`;
  if (err.errorName === 'TaskTimeout') return 'the task stopped reporting progress (an endless loop, or a long computation that does not call ctx.progress())';
  if (/heap out of memory|Allocation failed/i.test(text)) return 'out of memory: lower --sort-mb or the memory the job keeps per task';
  if (err.exit?.signal === 'SIGKILL') return 'the worker process was killed (SIGKILL: out-of-memory killer or an operator)';
  if (err.exit) return `the worker process died (${err.exit.signal ?? `exit code ${err.exit.code}`}) without reporting an error`;
  if (err.errorName === 'InputError') return 'bad input: see the file and byte offset in the error';
  if (/EACCES|permission denied/i.test(text)) return 'permission denied on a file the task reads or writes';
  if (/ENOENT|no such file/i.test(text)) return 'a file the task needs is missing (was the input changed during the job?)';
  if (/ENOSPC/i.test(text)) return 'disk full on the task\'s local directory';
  const frame = (err.errorStack ?? '').split('\n').find((l) => l.includes(jobModule));
  if (frame) return `the job's code threw: ${frame.trim().replace(/^at /, 'at ')}`;
  return 'the task threw an error (see the stack above)';
}
