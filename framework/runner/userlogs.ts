import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** How long attempt logs are kept (Hadoop's mapred.userlog.retain.hours: 24). */
export const USERLOG_RETAIN_MS = 24 * 3600 * 1000;

/** Default root of the per-attempt logs of jobs run from this machine. */
export function defaultUserLogDir(): string {
  return path.join(os.tmpdir(), `bsctl-${os.userInfo().uid}-userlogs`);
}

/** Where one attempt's stderr goes: `<root>/<jobId>/<attemptId>.stderr` (like Hadoop's userlogs). */
export function attemptLogFile(root: string, jobId: string, attemptId: string): string {
  return path.join(root, jobId, `${attemptId}.stderr`);
}

/** Remove the logs of jobs whose directory has not changed for `retainMs`. */
export function pruneUserLogs(root: string, retainMs = USERLOG_RETAIN_MS): void {
  let jobs: string[];
  try {
    jobs = fs.readdirSync(root);
  } catch {
    return;
  }
  const cutoff = Date.now() - retainMs;
  for (const job of jobs) {
    const dir = path.join(root, job);
    try {
      if (fs.statSync(dir).mtimeMs < cutoff) fs.rmSync(dir, { recursive: true, force: true });
    } catch {
      // removed meanwhile
    }
  }
}
