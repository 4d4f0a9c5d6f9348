import type { AttemptRecord } from '../runner/attempt-record.ts';
import type { JobHistory } from './history.ts';

/** The task a failed job's error names (`task task_..._m_000003 failed 4 times...`). */
export function failedTaskOf(error: string | undefined): string | undefined {
  return /\btask (task_\S+) failed\b/.exec(error ?? '')?.[1];
}

/**
 * mrjob's "probable cause of failure", in one line, for a failed job: the first task that exhausted
 * its attempts, the machine of its last attempt, the exception's first line (with the record's byte
 * offset when the map named it), the split it was reading, and the guess at why. Undefined for a job
 * that did not fail; a job that failed before any task (bad config, empty input) gets its error.
 */
export function probableCauseLine(record: Pick<JobHistory, 'status' | 'error' | 'attempts'>): string | undefined {
  if (record.status !== 'failed') return undefined;
  const error = record.error ?? 'no error recorded';
  const task = failedTaskOf(error);
  const guess = /^probable cause: (.*)$/m.exec(error)?.[1];
  if (!task) return `probable cause: ${error.split('\n')[0]}${guess ? `; ${guess}` : ''}`;
  const last = [...(record.attempts ?? [])].reverse().find((a: AttemptRecord) => a.taskId === task && a.status === 'failed');
  const times = /failed (once|\d+ times)/.exec(error)?.[1];
  const exception = last?.error ?? /(?:last )?error: (.*)$/m.exec(error)?.[1] ?? error.split('\n')[0];
  const where = last?.machine ? ` on ${last.machine}` : '';
  const split = last?.split ? `; split ${last.split}` : '';
  return `probable cause: task ${task} failed${times ? ` ${times}` : ''}${where}: ${exception}${split}${guess ? `; ${guess}` : ''}`;
}
