import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { fileSystemFor, joinPath } from '../../fs/resolve.ts';

/** The probe file's name: hidden, and this process's own (only ever removed by the process that created it). */
export function probeName(): string {
  return `.bsctl-validate-${process.pid}`;
}

/** `root` and its ancestors, nearest first (URIs keep their scheme and authority). */
function ancestors(root: string): string[] {
  const m = /^([a-z][a-z0-9+.-]*:\/\/[^/]*)(\/.*)?$/i.exec(root);
  const prefix = m ? m[1]! : '';
  let p = path.posix.normalize(m ? (m[2] ?? '/') : root).replace(/(.)\/+$/, '$1');
  const out = [prefix + p];
  while (p !== '/' && p !== '.') {
    p = path.posix.dirname(p);
    out.push(prefix + p);
  }
  return out;
}

/**
 * Whether a build could write under `root`: creates and removes a probe file in `root`, or in its
 * nearest existing ancestor when `root` does not exist yet (a build creates it). Resolves with what was probed.
 */
export async function probeWritable(root: string): Promise<string> {
  const fsys = fileSystemFor(root);
  for (const dir of ancestors(root)) {
    const st = await fsys.stat(dir);
    if (!st) continue;
    if (!st.isDirectory) throw new Error(`${dir} is a file, not a directory`);
    const probe = joinPath(dir, probeName());
    // create() refuses an existing file: a probe someone else left is never touched.
    await pipeline(Readable.from([Buffer.from('bsctl validate\n')]), fsys.create(probe));
    await fsys.delete(probe);
    return dir === root ? 'writable' : `${root} does not exist yet; ${dir} (where a build creates it) is writable`;
  }
  throw new Error(`no existing ancestor of ${root}`);
}
