import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { JobReport } from '../runner/driver.ts';
import type { AttemptRecord } from '../runner/attempt-record.ts';
import type { ScheduleMark } from './schedule-types.ts';
import { defaultStateDir } from './client.ts';

/** One job or build as history keeps it (Hadoop keeps a .jhist per job): one JSON file per job. */
export interface JobHistory {
  readonly version: 1;
  readonly jobId: string;
  readonly name: string;
  /** How it was started: the command line (`bsctl run ...`), or `submitted to the daemon`. */
  readonly command: string;
  readonly user: string;
  readonly pool?: string;
  readonly runner: string;
  readonly startTime: number;
  readonly finishTime: number;
  readonly status: 'succeeded' | 'failed';
  /** The error's first lines (a failed job). */
  readonly error?: string;
  readonly input: readonly string[];
  readonly output: string;
  /** The job's conf; values over 1,000 characters (a full build's schema) are shortened. */
  readonly conf: Readonly<Record<string, string>>;
  /** A full build's table and the generation it published. */
  readonly table?: string;
  readonly generation?: number;
  /** Counters, task counts, bad records, joins (a job that finished). */
  readonly report?: JobReport;
  /** Every task attempt (machine, times, status, exit, bytes), in the order they ended; see AttemptLog. */
  readonly attempts?: readonly AttemptRecord[];
  /** Succeeded attempts left out of `attempts` past its cap (failed and killed ones are always kept). */
  readonly attemptsDropped?: number;
  /** The schedule run that started the job, if one did. */
  readonly schedule?: ScheduleMark;
}

/** Attempts a history record keeps in full; past that only failed and killed ones (a job of 150,000 maps). */
export const HISTORY_MAX_ATTEMPTS = 20_000;

/** A job's attempts as they end, for its history record and its page (bounded: see HISTORY_MAX_ATTEMPTS). */
export class AttemptLog {
  readonly records: AttemptRecord[] = [];
  dropped = 0;

  constructor(private readonly max = HISTORY_MAX_ATTEMPTS) {}

  add(r: AttemptRecord): void {
    if (this.records.length < this.max || r.status !== 'succeeded') this.records.push(r);
    else this.dropped++;
  }

  /** The record's `attempts` fields. */
  fields(): Pick<JobHistory, 'attempts' | 'attemptsDropped'> {
    return { attempts: this.records, ...(this.dropped ? { attemptsDropped: this.dropped } : {}) };
  }
}

/** History kept by default: the newest this many jobs, none older than this many days. */
export const HISTORY_MAX_JOBS = 1000;
export const HISTORY_MAX_DAYS = 30;

/** Where history lives: `<state dir>/history` ($BSCTL_SCHEDULER_DIR or $TMPDIR/bsctl-scheduler-<uid>). */
export function historyDir(stateDir: string = defaultStateDir()): string {
  return path.join(stateDir, 'history');
}

/** The name of a history record's file. */
export const HISTORY_FILE = /^job_[A-Za-z0-9_]+\.json$/;
const FILE = HISTORY_FILE;

/** A history record from its file's text; throws when it is not one (the caller skips it with a warning). */
export function parseHistoryRecord(text: string): JobHistory {
  const r = JSON.parse(text) as Partial<JobHistory>;
  if (r.version !== 1 || typeof r.jobId !== 'string' || typeof r.startTime !== 'number' || (r.status !== 'succeeded' && r.status !== 'failed')) throw new Error('not a bsctl job history record');
  return r as JobHistory;
}

/** Newest first (ties by job id, newest first). */
export const newestFirst = (a: JobHistory, b: JobHistory): number => b.startTime - a.startTime || (a.jobId < b.jobId ? 1 : -1);

/** Shorten long conf values (a full build's schema JSON) for the record. */
export function historyConf(conf: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(conf).map(([k, v]) => [k, v.length > 1000 ? `<${v.length} characters>` : v]));
}

/**
 * Write a job's record (a temporary file, then a rename: a reader never sees half a record), then prune
 * what is over `maxJobs` or older than `maxDays` (only history files, only this dir).
 */
export function writeHistory(dir: string, record: JobHistory, keep: { maxJobs?: number; maxDays?: number } = {}): string {
  if (!FILE.test(`${record.jobId}.json`)) throw new Error(`history: invalid job id ${JSON.stringify(record.jobId)}`);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, `${record.jobId}.json`);
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(record, null, 1)}\n`, { mode: 0o600 });
  fs.renameSync(tmp, file);
  prune(dir, keep.maxJobs ?? HISTORY_MAX_JOBS, keep.maxDays ?? HISTORY_MAX_DAYS);
  return file;
}

function prune(dir: string, maxJobs: number, maxDays: number): void {
  const oldest = Date.now() - maxDays * 86_400_000;
  const files = fs
    .readdirSync(dir)
    .filter((n) => FILE.test(n))
    .map((n) => ({ n, t: fs.statSync(path.join(dir, n), { throwIfNoEntry: false })?.mtimeMs ?? 0 }))
    .sort((a, b) => b.t - a.t);
  for (const [i, f] of files.entries()) if (i >= maxJobs || f.t < oldest) fs.rmSync(path.join(dir, f.n), { force: true });
}

/** Every record, newest first; a corrupt file is skipped with a warning naming it. */
export function readHistory(dir: string, warn: (line: string) => void): JobHistory[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((n) => FILE.test(n));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const out: JobHistory[] = [];
  for (const n of names) {
    const file = path.join(dir, n);
    try {
      out.push(parseHistoryRecord(fs.readFileSync(file, 'utf8')));
    } catch (err) {
      warn(`warning: skipping history file ${file}: ${(err as Error).message}`);
    }
  }
  return out.sort(newestFirst);
}

/** A full build's table and, once published, its generation (from the output path `.../generation_<n>`). */
export function buildOf(conf: Readonly<Record<string, string>>, output: string, published: boolean): Pick<JobHistory, 'table' | 'generation'> {
  const table = conf['fullbuild.table'];
  const m = /^generation_(\d+)$/.exec(path.posix.basename(output));
  return { ...(table ? { table } : {}), ...(table && published && m ? { generation: Number(m[1]) } : {}) };
}

/** The first lines of an error, for the record. */
export const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err)).split('\n').slice(0, 5).join('\n');
