import type { JobReport } from '../runner/driver.ts';
import type { JobProgress } from '../runner/options.ts';

/** What `bsctl run --runner cluster` sends the scheduler daemon (POST /jobs): a resolved job plan. */
export interface SubmitRequest {
  /** Absolute path of the job module on this machine (the daemon loads and bundles it). */
  readonly jobModule: string;
  readonly jobExport?: string;
  readonly input: readonly string[];
  readonly output: string;
  readonly pool: string;
  readonly user: string;
  readonly priority?: number;
  readonly reducers?: number;
  readonly splitSize?: number;
  readonly sortMb?: number;
  readonly overwrite?: boolean;
  readonly conf?: Readonly<Record<string, string>>;
  readonly maxBadRecords?: number;
  readonly taskTimeoutMs?: number;
  readonly maxAttempts?: number;
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
  readonly cluster: string;
  readonly allocations?: string;
  readonly startedAt: number;
}
