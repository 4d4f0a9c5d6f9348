/** A scheduled command of the daemon (`bsctl schedule add`), as kept in `<state dir>/schedules.json`. */
export interface ScheduleSpec {
  /** A simple name (letters, digits, `._-`), unique within the daemon. */
  readonly name: string;
  /** A cron expression (5 fields, or 6 with seconds), read by croner. */
  readonly cron: string;
  /** IANA time zone the expression is read in (default: the daemon's). */
  readonly tz?: string;
  /** The pool its jobs are submitted to (default: the daemon's user). */
  readonly pool?: string;
  /** The bsctl command it runs, without `bsctl`: always a `run` (e.g. `run full-build --table in1`). */
  readonly args: readonly string[];
  /** The directory it runs in (where `bsctl schedule add` was typed: relative paths in `args` mean the same). */
  readonly cwd: string;
  readonly paused: boolean;
  readonly createdAt: number;
  /** When it was last resumed: fires before that (while paused) were never due. */
  readonly resumedAt?: number;
}

/** One run of a schedule, as kept in `<state dir>/schedules/<name>/runs.json` (newest last). */
export interface ScheduleRun {
  readonly schedule: string;
  /** `run_<schedule>_<yyyymmddhhmmss>`, also the name of its log, `<state dir>/schedules/<name>/<runId>.log`. */
  readonly runId: string;
  /** The fire time it stands for (ms since the epoch); a late run's lies before its start. */
  readonly scheduledFor: number;
  readonly start: number;
  end?: number;
  outcome: 'running' | 'succeeded' | 'failed' | 'skipped';
  /** Run at start-up for a fire time missed while the daemon was down (within the grace window). */
  readonly late: boolean;
  /** How it was started: the clock, `run-now`, or start-up catch-up. */
  readonly trigger: 'cron' | 'run-now' | 'catch-up';
  /** Why it was skipped, or the first line of its error. */
  reason?: string;
  exitCode?: number;
  /** The jobs it ran (their history records). */
  jobIds: string[];
  readonly log: string;
  /** The `bsctl run` process while it runs (a restarted daemon finds a run a previous one left going). */
  pid?: number;
}

/** What `bsctl schedule ls` and the web UI show of a schedule. */
export interface ScheduleView extends ScheduleSpec {
  /** Next fire time (undefined when paused or when the expression never fires again). */
  readonly nextRun: number | undefined;
  readonly lastRun: ScheduleRun | undefined;
  readonly running: boolean;
}

/** Which schedule run a job belongs to (in its history record); a scheduled `bsctl run` reads it from its environment. */
export interface ScheduleMark {
  readonly name: string;
  readonly runId: string;
  readonly late: boolean;
}

/** The environment variable a schedule's run carries its ScheduleMark in (JSON). */
export const SCHEDULE_RUN_ENV = 'BSCTL_SCHEDULE_RUN';

/** This process's ScheduleMark, when a schedule started it (malformed values are ignored). */
export function scheduleMarkFromEnv(env: NodeJS.ProcessEnv = process.env): ScheduleMark | undefined {
  const raw = env[SCHEDULE_RUN_ENV];
  if (!raw) return undefined;
  try {
    const m = JSON.parse(raw) as Partial<ScheduleMark>;
    if (typeof m.name === 'string' && typeof m.runId === 'string' && typeof m.late === 'boolean') return { name: m.name, runId: m.runId, late: m.late };
  } catch {
    // not ours
  }
  return undefined;
}
