import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { text } from 'node:stream/consumers';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { fileSystemFor, isLocal } from '../fs/resolve.ts';
import { HISTORY_FILE, HISTORY_MAX_DAYS, HISTORY_MAX_JOBS, historyDir, newestFirst, parseHistoryRecord, readHistory, writeHistory, type JobHistory } from './history.ts';

/** Where history is kept besides the state dir (a local dir or hdfs://...), and how much of it. */
export const HISTORY_DIR_ENV = 'BSCTL_HISTORY_DIR';
export const HISTORY_MAX_JOBS_ENV = 'BSCTL_HISTORY_MAX_JOBS';
export const HISTORY_MAX_DAYS_ENV = 'BSCTL_HISTORY_MAX_DAYS';

export interface HistoryKeep {
  readonly maxJobs: number;
  readonly maxDays: number;
}

const FILE = HISTORY_FILE;

/** A positive whole number from the environment, or the default; a bad value names the variable. */
function positive(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`$${name}: must be a whole number ≥ 1 (got "${raw}")`);
  return n;
}

/** How much history is kept: $BSCTL_HISTORY_MAX_JOBS (1000) records, none older than $BSCTL_HISTORY_MAX_DAYS (30). */
export function historyKeep(): HistoryKeep {
  return { maxJobs: positive(HISTORY_MAX_JOBS_ENV, HISTORY_MAX_JOBS), maxDays: positive(HISTORY_MAX_DAYS_ENV, HISTORY_MAX_DAYS) };
}

/** $BSCTL_HISTORY_DIR, if set: where history is also kept (Hadoop's done dir), checked for a supported scheme. */
export function sharedHistoryDir(): string | undefined {
  const d = process.env[HISTORY_DIR_ENV];
  if (!d) return undefined;
  fileSystemFor(d); // an unsupported scheme fails here, naming the path
  return isLocal(d) ? path.resolve(d) : d.replace(/\/+$/, '');
}

/**
 * Keep a job's record: in the state dir's history (the daemon's pages, `bsctl logs`), and in the
 * shared history dir when one is set — on HDFS written to a temporary name, then renamed, and pruned
 * like the local one (only history files). A record that cannot be written is a warning, never the
 * job's failure.
 */
export async function keepHistory(stateDir: string | undefined, record: JobHistory, log: (line: string) => void): Promise<void> {
  const local = historyDir(stateDir);
  let keep: HistoryKeep;
  let shared: string | undefined;
  try {
    keep = historyKeep();
    shared = sharedHistoryDir();
    writeHistory(local, record, keep);
  } catch (err) {
    return log(`warning: job history not written (${local}): ${(err as Error).message}`);
  }
  if (!shared || shared === local) return;
  try {
    if (isLocal(shared)) writeHistory(shared, record, keep);
    else await writeRemote(shared, record, keep);
  } catch (err) {
    log(`warning: job history not written to ${shared}: ${(err as Error).message}`);
  }
}

async function writeRemote(dir: string, record: JobHistory, keep: HistoryKeep): Promise<void> {
  const fs = fileSystemFor(dir);
  const file = `${dir}/${record.jobId}.json`;
  if (!FILE.test(`${record.jobId}.json`)) throw new Error(`invalid job id ${JSON.stringify(record.jobId)}`);
  const tmp = `${dir}/.${record.jobId}.json.${randomBytes(4).toString('hex')}.tmp`;
  await fs.mkdirs(dir);
  await pipeline(Readable.from([`${JSON.stringify(record, null, 1)}\n`]), fs.create(tmp));
  if (await fs.stat(file)) await fs.delete(file);
  await fs.rename(tmp, file);
  const oldest = Date.now() - keep.maxDays * 86_400_000;
  const files = (await fs.list(dir)).filter((s) => FILE.test(path.posix.basename(s.path))).sort((a, b) => b.modificationTime - a.modificationTime);
  for (const [i, s] of files.entries()) if (i >= keep.maxJobs || s.modificationTime < oldest) await fs.delete(s.path);
}

/** Every record in a history dir (local or hdfs://), newest first; a corrupt file is skipped with a warning. */
export async function readHistoryAt(dir: string, warn: (line: string) => void): Promise<JobHistory[]> {
  if (isLocal(dir)) return readHistory(dir, warn);
  const fs = fileSystemFor(dir);
  if (!(await fs.stat(dir))) return [];
  const out: JobHistory[] = [];
  for (const s of await fs.list(dir)) {
    if (!FILE.test(path.posix.basename(s.path))) continue;
    try {
      out.push(parseHistoryRecord(await text(fs.openRead(s.path))));
    } catch (err) {
      warn(`warning: skipping history file ${s.path}: ${(err as Error).message}`);
    }
  }
  return out.sort(newestFirst);
}
