import { FILESYSTEM } from '../task/context.ts';
import type { TaskResult, TaskSpec } from '../task/spec.ts';
import { AttemptFailure, AttemptKilled } from './types.ts';

/** One task attempt as history keeps it (a line of Hadoop's .jhist): where and when it ran, how it ended. */
export interface AttemptRecord {
  readonly attemptId: string;
  readonly taskId: string;
  readonly type: 'map' | 'reduce';
  readonly step: number;
  /** The machine it ran on (`localhost` for the inline and local runners); empty if it never left the queue. */
  readonly machine: string;
  readonly speculative: boolean;
  /** Handed to the runner, started on a slot (undefined: still queued when it ended), ended; ms since the epoch. */
  readonly launched: number;
  readonly start: number | undefined;
  readonly end: number;
  readonly status: 'succeeded' | 'failed' | 'killed';
  /** A failed or killed attempt: the error's first line, and the worker's exit when it died. */
  readonly error?: string;
  readonly exit?: { readonly code: number | null; readonly signal: string | null };
  /** The attempt log, when it ran in a worker process. */
  readonly log?: string;
  /** A map: the split (`path [start, start+length)`); bytes read; bytes it wrote (map output or files). */
  readonly split?: string;
  readonly bytesIn: number;
  readonly bytesOut: number;
}

/** `path [start, end)` of a map's split (the first file of a combined split, with the file count). */
export function describeSplit(spec: TaskSpec): string | undefined {
  if (spec.type !== 'map') return undefined;
  const s = spec.split;
  const more = s.combined ? ` (+${s.combined.names.length - 1} more files)` : '';
  return `${s.path} [${s.start}, ${s.start + s.length})${more}`;
}

const LOG_IN_MESSAGE = /\(attempt log: ([^)]+)\)/;

/** The record of an attempt that ended with `result` (succeeded) or `error`. */
export function attemptRecord(
  spec: TaskSpec,
  taskId: string,
  a: { readonly machine: string; readonly speculative: boolean; readonly launched: number; readonly start: number | undefined; readonly bytes: number },
  outcome: { readonly result: TaskResult } | { readonly error: unknown },
): AttemptRecord {
  const split = describeSplit(spec);
  const base = {
    attemptId: spec.attemptId,
    taskId,
    type: spec.type,
    step: spec.step,
    machine: a.machine,
    speculative: a.speculative,
    launched: a.launched,
    start: a.start,
    end: Date.now(),
    ...(split ? { split } : {}),
  };
  const shuffled = spec.type === 'reduce' ? spec.segments.reduce((n, s) => n + s.length, 0) : 0;
  if ('result' in outcome) {
    const c = outcome.result.counters;
    const m = outcome.result.mapOutput;
    const out = m ? m.segments.reduce((n, s) => n + s.length, 0) : (c[FILESYSTEM]?.['Bytes written'] ?? 0);
    return { ...base, status: 'succeeded', bytesIn: spec.type === 'reduce' ? shuffled : (c[FILESYSTEM]?.['Bytes read'] ?? a.bytes), bytesOut: out };
  }
  const err = outcome.error;
  const first = (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
  const log = LOG_IN_MESSAGE.exec(first)?.[1];
  // The exception as it was thrown (`TypeError: ...`); the log's path is a field of its own.
  const name = err instanceof AttemptFailure && err.errorName && err.errorName !== 'Error' && !first.startsWith(err.errorName) ? `${err.errorName}: ` : '';
  const message = `${name}${first.replace(LOG_IN_MESSAGE, '').trimEnd()}`;
  return {
    ...base,
    status: err instanceof AttemptKilled ? 'killed' : 'failed',
    error: message,
    ...(err instanceof AttemptFailure && err.exit ? { exit: err.exit } : {}),
    ...(log ? { log } : {}),
    bytesIn: spec.type === 'reduce' ? 0 : a.bytes,
    bytesOut: 0,
  };
}
