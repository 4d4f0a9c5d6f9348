import { randomBytes } from 'node:crypto';
import type { CacheFile } from '../task/spec.ts';
import { shellQuote, type SshConnection } from './ssh.ts';

/**
 * Upload a distributed-cache file into the job's dir on a machine as `<jobDir>/cache/<hash>` (a
 * temporary name first, then a rename, so a worker never reads half a file); removed with the job dir.
 */
export async function shipCacheFile(conn: SshConnection, jobDir: string, file: CacheFile): Promise<string> {
  const dir = `${jobDir}/cache`;
  const target = `${dir}/${file.hash}`;
  const tmp = `${target}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await conn.run(`mkdir -p ${shellQuote(dir)}`);
  const sftp = await conn.sftp();
  await new Promise<void>((resolve, reject) => sftp.fastPut(file.path, tmp, (err) => (err ? reject(new Error(`${conn.machine.name}: cannot ship ${file.name} (${file.path}): ${err.message}`)) : resolve())));
  await conn.run(`mv -f ${shellQuote(tmp)} ${shellQuote(target)}`);
  return target;
}
