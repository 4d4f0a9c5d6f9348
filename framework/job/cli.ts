/** A job's own command-line flags and how they turn into a run (e.g. full-build's `--table`). */

/** One flag, described like a yargs option. */
export interface JobOption {
  readonly type: 'string' | 'number' | 'boolean';
  readonly describe: string;
  readonly array?: boolean;
  readonly default?: string | number | boolean;
}

/** What a job's plan decides; the generic `--input/--output/...` flags fill what it leaves out. */
export interface JobPlan {
  readonly input: readonly string[];
  readonly output: string;
  readonly reducers?: number;
  readonly overwrite?: boolean;
  readonly maxBadRecords?: number;
  readonly conf?: Readonly<Record<string, string>>;
  /** Join sides' paths by side name (a table config's side tables). */
  readonly sides?: Readonly<Record<string, readonly string[]>>;
  /** Runs after the job committed its output (e.g. drop old index generations). */
  readonly afterCommit?: () => Promise<void>;
  /** Runs at the very end, whether the job succeeded or not (e.g. release the table lock). */
  readonly finish?: () => Promise<void>;
  /** Extra lines for the end-of-job report. */
  readonly summary?: () => Promise<string[]>;
}

export interface JobCli {
  readonly options: Readonly<Record<string, JobOption>>;
  /** Turn parsed flags into a run; throw an Error naming the flag or config key on bad input. */
  plan(args: Readonly<Record<string, unknown>>, log: (line: string) => void): Promise<JobPlan>;
}
