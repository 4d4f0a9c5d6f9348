import { pipeline } from 'node:stream/promises';
import { fileSystemFor, joinPath } from './resolve.ts';
import { FsError } from './types.ts';

/** Stream one file between any two FileSystems. */
export async function copyFile(from: string, to: string, options: { overwrite?: boolean } = {}): Promise<void> {
  await pipeline(fileSystemFor(from).openRead(from), fileSystemFor(to).create(to, options));
}

/**
 * Copy a file or a directory tree. `last` names (e.g. `version.0`) are copied after everything else,
 * under a temporary name and renamed into place, so their presence marks a complete copy.
 */
export async function copyTree(from: string, to: string, options: { last?: readonly string[]; overwrite?: boolean } = {}): Promise<number> {
  const src = fileSystemFor(from);
  const st = await src.stat(from);
  if (!st) throw new FsError('copy', from, 'no such file or directory', 'ENOENT');
  if (!st.isDirectory) {
    await copyFile(from, to, options);
    return 1;
  }
  await fileSystemFor(to).mkdirs(to);
  const entries = await src.list(from);
  const name = (p: string): string => p.slice(p.lastIndexOf('/') + 1);
  const last = new Set(options.last ?? []);
  let files = 0;
  for (const e of entries.filter((x) => !last.has(name(x.path)))) files += await copyTree(e.path, joinPath(to, name(e.path)), options);
  for (const e of entries.filter((x) => last.has(name(x.path)))) {
    const tmp = joinPath(to, `.${name(e.path)}.tmp`);
    await copyFile(e.path, tmp, { overwrite: true });
    await fileSystemFor(to).rename(tmp, joinPath(to, name(e.path)));
    files++;
  }
  return files;
}
