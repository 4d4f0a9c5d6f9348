import type { JobReport } from '../runner/driver.ts';
import type { JobProgress, RunOptions } from '../runner/options.ts';
import type { ScheduleMark } from './schedule-types.ts';

/** The run options a submitted job carries (everything but where and how it is followed). */
const SUBMITTED = ['jobModule', 'jobExport', 'input', 'sides', 'output', 'reducers', 'splitSize', 'sortMb', 'overwrite', 'forceOverwrite', 'conf', 'maxBadRecords', 'taskTimeoutMs', 'maxAttempts', 'speculation'] as const;
export type SubmittedOptions = Pick<RunOptions, (typeof SUBMITTED)[number]>;

/** What `bsctl run --runner cluster` sends the scheduler daemon (POST /jobs): a resolved job plan. */
export interface SubmitRequest extends SubmittedOptions {
  readonly pool: string;
  readonly user: string;
  readonly priority?: number;
  /** The schedule run that submits it (`bsctl run` started by a schedule), for the job's history record. */
  readonly schedule?: ScheduleMark;
}

/** The submitted options of `o` that are set (JSON has no undefined). */
export function submittedOptions(o: SubmittedOptions): SubmittedOptions {
  return Object.fromEntries(SUBMITTED.filter((k) => o[k] !== undefined).map((k) => [k, o[k]])) as unknown as SubmittedOptions;
}

/** One line of GET /jobs/<id>/events (JSON lines); a job's stream ends after succeeded or failed. */
export type JobEvent =
  | { readonly event: 'accepted'; readonly jobId: string; readonly pool: string }
  | { readonly event: 'log'; readonly line: string }
  | { readonly event: 'progress'; readonly progress: JobProgress }
  | { readonly event: 'succeeded'; readonly report: JobReport }
  | { readonly event: 'failed'; readonly error: string };

/** Where a daemon writes its address (`<state dir>/daemon.json`). */
export interface DaemonInfo {
  readonly pid: number;
  readonly url: string;
  /** The cluster config's path; absent when the daemon has no machines (it runs schedules locally). */
  readonly cluster?: string;
  readonly allocations?: string;
  readonly startedAt: number;
}
