import type { FileEntryWithStats, SFTPWrapper } from 'ssh2';
import { ownerState, parseOwner, describeOwner, type OwnerRecord } from '../fs/owner.ts';
import { OWNER_FILE } from '../output/stale.ts';
import { shellQuote, type SshConnection } from './ssh.ts';

/** A job dir without an owner record is only taken for stale after this long (it may be being created). */
const ORPHAN_AGE_MS = 60 * 60 * 1000;

/** A job's dir on a machine (`<workDir>/jobs/<jobId>`), and what an earlier sweep renamed and did not finish deleting. */
const JOB_DIR = /^job_[A-Za-z0-9_]+$/;
const TRASH = /^\.job_[A-Za-z0-9_]+\.bsctl-trash-\d+$/;

export interface JobDirSweep {
  /** Paths removed on the machine, each with why. */
  readonly removed: { readonly path: string; readonly why: string }[];
  readonly kept: string[];
  /** Dirs that could not be checked or removed, with the error (they are left as they are). */
  readonly errors: string[];
}

/** The machine's job dirs root. */
export const jobsRoot = (workDir: string): string => `${workDir}/jobs`;

/** A job id names one dir in `<workDir>/jobs/`, never a path. */
export function checkJobId(jobId: string): string {
  if (!JOB_DIR.test(jobId)) throw new Error(`not a job id: ${JSON.stringify(jobId)} (job_ and letters, digits, _)`);
  return jobId;
}

/** A job's dir on a machine, `<workDir>/jobs/<jobId>`. */
export const jobDirOn = (workDir: string, jobId: string): string => `${jobsRoot(workDir)}/${checkJobId(jobId)}`;

/**
 * Create a job's dir on a machine with the driver's owner record in it (written aside, then renamed,
 * so a reader never sees half a record): a sweep by a later driver removes the dir once that process
 * is gone, as `bsctl gc` does for local work dirs.
 */
export async function writeJobOwner(conn: SshConnection, dir: string, owner: OwnerRecord): Promise<void> {
  const tmp = `${dir}/.${OWNER_FILE}.tmp`;
  await conn.run(`mkdir -p ${shellQuote(dir)} && printf '%s\\n' ${shellQuote(JSON.stringify(owner))} > ${shellQuote(tmp)} && mv -f ${shellQuote(tmp)} ${shellQuote(`${dir}/${OWNER_FILE}`)}`);
}

const readdir = (sftp: SFTPWrapper, dir: string): Promise<FileEntryWithStats[] | undefined> =>
  new Promise((resolve, reject) =>
    sftp.readdir(dir, (err, list) => {
      if (!err) return resolve(list);
      // SFTP's "no such file": the dir is not there (yet, or any more).
      if ((err as Error & { code?: number }).code === 2) return resolve(undefined);
      reject(new Error(`${dir}: ${err.message}`));
    }),
  );

const readSmall = (sftp: SFTPWrapper, file: string): Promise<string | undefined> =>
  new Promise((resolve) => sftp.readFile(file, (err, data) => resolve(err ? undefined : data.toString('utf8').slice(0, 64 * 1024))));

/** Whether a job dir's run is gone: its owner record names a dead process of this host, or it has none and nothing in it changed for an hour. */
async function staleReason(sftp: SFTPWrapper, dir: string, dirMtimeS: number): Promise<string | undefined> {
  const owner = parseOwner(await readSmall(sftp, `${dir}/${OWNER_FILE}`));
  if (owner) return ownerState(owner) === 'dead' ? `its driver is gone (${describeOwner(owner)})` : undefined;
  const entries = (await readdir(sftp, dir)) ?? [];
  const newest = Math.max(dirMtimeS, ...entries.map((e) => e.attrs.mtime)) * 1000;
  return Date.now() - newest > ORPHAN_AGE_MS ? `no owner record, unchanged since ${new Date(newest).toISOString()}` : undefined;
}

/**
 * Remove what killed drivers left in a machine's `<workDir>/jobs/`: the dir of a job whose owner
 * record names a process of this host that is gone, or that has no record and has not changed for an
 * hour (rename to a hidden trash name, then delete). A live job's dir, one whose driver runs on another
 * host (it cannot be checked from here) and any name bsctl did not create are kept; nothing outside
 * `<workDir>/jobs/` is touched.
 */
export async function sweepJobDirs(conn: SshConnection, workDir: string): Promise<JobDirSweep> {
  const result: JobDirSweep = { removed: [], kept: [], errors: [] };
  const root = jobsRoot(workDir);
  const sftp = await conn.sftp();
  const entries = await readdir(sftp, root);
  for (const e of entries ?? []) {
    const path = `${root}/${e.filename}`;
    if (!e.attrs.isDirectory()) continue;
    try {
      if (TRASH.test(e.filename)) {
        // An earlier sweep renamed it and died before the delete (or is deleting it now: rm -rf of both is harmless).
        await conn.run(`rm -rf -- ${shellQuote(path)}`);
        result.removed.push({ path, why: 'left by an interrupted clean-up' });
        continue;
      }
      if (!JOB_DIR.test(e.filename)) continue;
      const why = await staleReason(sftp, path, e.attrs.mtime);
      if (!why) {
        result.kept.push(path);
        continue;
      }
      const trash = `${root}/.${e.filename}.bsctl-trash-${process.pid}`;
      await conn.run(`mv -- ${shellQuote(path)} ${shellQuote(trash)} && rm -rf -- ${shellQuote(trash)}`);
      result.removed.push({ path, why });
    } catch (err) {
      result.errors.push(`${path}: ${(err as Error).message}`);
    }
  }
  return result;
}
