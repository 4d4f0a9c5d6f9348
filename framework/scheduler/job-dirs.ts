import fs from 'node:fs';
import path from 'node:path';
import { HttpError } from './http-util.ts';

const realDir = (d: string): string => {
  try {
    return fs.realpathSync(d);
  } catch {
    return path.resolve(d);
  }
};

/**
 * The real path of a job module the daemon may run: it must lie in one of the daemon's job directories
 * (the bundled jobs/ and every --jobs-dir); anything else is refused (403), a missing file is a 400.
 */
export function allowedJobModule(modulePath: string, jobDirs: readonly string[], what: string): string {
  let module: string;
  try {
    module = fs.realpathSync(modulePath);
  } catch {
    throw new HttpError(400, `${what} ${modulePath}: no such file`);
  }
  const allowed = jobDirs.map(realDir);
  if (!allowed.some((d) => module.startsWith(`${d}${path.sep}`))) {
    throw new HttpError(403, `${what} ${modulePath} is not in a job directory this daemon allows (${allowed.join(', ')}; start it with --jobs-dir DIR to add one)`);
  }
  return module;
}
