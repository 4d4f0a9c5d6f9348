import { createHash, randomBytes } from 'node:crypto';
import path from 'node:path';
import { isLocal } from '../fs/resolve.ts';
import type { InputSplit } from '../input/types.ts';
import type { CacheFile } from '../task/spec.ts';
import { shellQuote, type SshConnection } from './ssh.ts';

/** Upload a local file to `target` on the machine (a temporary name first, then a rename: never half a file). */
async function shipFile(conn: SshConnection, local: string, target: string, what: string): Promise<string> {
  const tmp = `${target}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await conn.run(`mkdir -p ${shellQuote(path.posix.dirname(target))}`);
  const sftp = await conn.sftp();
  await new Promise<void>((resolve, reject) => sftp.fastPut(local, tmp, (err) => (err ? reject(new Error(`${conn.machine.name}: cannot ship ${what} (${local}): ${err.message}`)) : resolve())));
  await conn.run(`mv -f ${shellQuote(tmp)} ${shellQuote(target)}`);
  return target;
}

/** A distributed-cache file into the job's dir on a machine, as `<jobDir>/cache/<hash>`; removed with the job dir. */
export function shipCacheFile(conn: SshConnection, jobDir: string, file: CacheFile): Promise<string> {
  return shipFile(conn, file.path, `${jobDir}/cache/${file.hash}`, file.name);
}

/** The local files a split reads (every chunk's file of a combined split); none when it is on HDFS. */
export function localFilesOf(split: InputSplit): string[] {
  const c = split.combined;
  const files = c ? [...new Set(c.names.map((n) => c.dir + n))] : [split.path];
  return files.filter((f) => isLocal(f));
}

/** Where a local side file goes in the job's dir on a machine (named by its path, so two files never meet). */
export const sideFileTarget = (jobDir: string, file: string): string => `${jobDir}/side/${createHash('sha256').update(file).digest('hex').slice(0, 16)}-${path.basename(file)}`;

/** Ship one local file a join's side split reads into the job's dir on the machine. */
export function shipSideFile(conn: SshConnection, jobDir: string, file: string): Promise<string> {
  return shipFile(conn, file, sideFileTarget(jobDir, file), 'a join side');
}

/** The split reading the machine's copies (`copyOf` maps a local path to its shipped path). */
export function splitOnMachine(split: InputSplit, copyOf: (file: string) => string): InputSplit {
  const c = split.combined;
  const on = (f: string): string => (isLocal(f) ? copyOf(f) : f);
  if (!c) return { ...split, path: on(split.path) };
  return { ...split, path: on(split.path), combined: { ...c, dir: '', names: c.names.map((n) => on(c.dir + n)) } };
}
