import type { SpeculationOptions } from './speculation.ts';
import type { TaskRunner } from './types.ts';
import type { AttemptRecord } from './attempt-record.ts';

export type RunnerName = 'inline' | 'local' | 'cluster' | 'yarn';

/** Hadoop's task timeout (mapreduce.task.timeout): an attempt silent this long is killed, 600 s. */
export const DEFAULT_TASK_TIMEOUT_MS = 600_000;

/** Everything `bsctl run` (or a test) decides about one job run. */
export interface RunOptions {
  /** Absolute path of the module exporting the job, and the export's name (default "default"). */
  readonly jobModule: string;
  readonly jobExport?: string;
  /** The job's id (default: a new `job_<time>_<hex>`); a scheduler daemon names jobs before they run. */
  readonly jobId?: string;
  readonly input: readonly string[];
  readonly output: string;
  /** Paths of the job's join sides by side name (`--side NAME=PATH`); a side's own `paths` otherwise. */
  readonly sides?: Readonly<Record<string, readonly string[]>>;
  /** Reducers per step with a reducer (default: the step's `reducers`, else 2). */
  readonly reducers?: number;
  /** Where attempts run (default local worker processes); the cluster's runner is passed as a TaskRunner. */
  readonly runner?: RunnerName | TaskRunner;
  /** Worker processes for the local runner (default: number of cores). */
  readonly workers?: number;
  /** Split size in bytes (default: the file's block size, 64 MiB on local disk). */
  readonly splitSize?: number;
  /** Map-side sort / aggregation budget, MiB (default 100, Hadoop's io.sort.mb). */
  readonly sortMb?: number;
  /** Replace an existing output, once the job succeeds, if it is a previous bsctl output. */
  readonly overwrite?: boolean;
  /** With overwrite: replace an existing output even when it does not look like a bsctl output. */
  readonly forceOverwrite?: boolean;
  readonly conf?: Readonly<Record<string, string>>;
  /** Bad input records tolerated (reported with `ctx.badRecord`); more fail the job (default 0). */
  readonly maxBadRecords?: number;
  /** Kill an attempt that reports no progress for this long (default 600 s, Hadoop's task timeout). */
  readonly taskTimeoutMs?: number;
  /** Failed attempts per task before the job fails (default 4); killed attempts do not count. */
  readonly maxAttempts?: number;
  /**
   * Speculative execution of stragglers (Hadoop's): on by default except with the inline runner; an
   * attempt is speculated after `minRunMs` (default 60 000) when its progress is more than `lag`
   * (default 0.2) below the phase's average.
   */
  readonly speculation?: SpeculationOptions;
  /**
   * Reuse the map outputs an earlier `resume` run of the same job recorded (same job code, input
   * paths, conf, reducers, split size), each checked against its input's and output's content hash;
   * record this run's as they finish. Inline and local runners.
   */
  readonly resume?: boolean;
  /** Local directory for map outputs and intermediate data (default: os.tmpdir()/bsctl-<uid>). */
  readonly workRoot?: string;
  /**
   * Aborting interrupts the job (Ctrl-C, SIGTERM): running attempts are killed, the staging and work
   * dirs removed, and runJob rejects with the signal's reason; a commit already under way completes.
   */
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: JobProgress) => void;
  /** Every task attempt that ended (succeeded, failed or killed): where and when it ran, how it ended. */
  readonly onAttempt?: (record: AttemptRecord) => void;
  readonly log?: (line: string) => void;
}

export interface PhaseProgress {
  readonly total: number;
  readonly done: number;
  /** Sum of running tasks' fractions plus done tasks, divided by total. */
  readonly fraction: number;
}

export interface JobProgress {
  readonly jobId: string;
  readonly step: number;
  readonly steps: number;
  readonly map: PhaseProgress;
  readonly reduce: PhaseProgress;
  readonly bytesRead: number;
  readonly elapsedMs: number;
}
