import { pipeline } from 'node:stream/promises';
import PQueue from 'p-queue';
import { fileSystemFor, joinPath } from './resolve.ts';
import { FsError } from './types.ts';

/** Stream one file between any two FileSystems. */
export async function copyFile(from: string, to: string, options: { overwrite?: boolean } = {}): Promise<void> {
  await pipeline(fileSystemFor(from).openRead(from), fileSystemFor(to).create(to, options));
}

/** Files copied at once by copyTree: HDFS takes a few hundred ms to close each file, whatever its size. */
export const COPY_CONCURRENCY = 8;

/**
 * Copy a file or a directory tree. Directories are made first, then the files are copied up to
 * COPY_CONCURRENCY at a time; `last` names (e.g. `version.0`) are copied after every other file,
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
  const name = (p: string): string => p.slice(p.lastIndexOf('/') + 1);
  const last = new Set(options.last ?? []);
  const files: [string, string][] = [];
  const lastFiles: [string, string][] = [];
  const walk = async (dir: string, target: string): Promise<void> => {
    await fileSystemFor(target).mkdirs(target);
    for (const e of await src.list(dir)) {
      const dest = joinPath(target, name(e.path));
      if (e.isDirectory) await walk(e.path, dest);
      else (last.has(name(e.path)) ? lastFiles : files).push([e.path, dest]);
    }
  };
  await walk(from, to);
  // After the first failure the queued copies do nothing; the running ones finish before it is thrown.
  const queue = new PQueue({ concurrency: COPY_CONCURRENCY });
  let failure: { error: unknown } | undefined;
  await Promise.all(
    files.map(([a, b]) =>
      queue.add(async () => {
        if (failure) return;
        try {
          await copyFile(a, b, options);
        } catch (error) {
          failure ??= { error };
        }
      }),
    ),
  );
  if (failure) throw failure.error;
  for (const [a, b] of lastFiles) {
    const tmp = joinPath(b.slice(0, b.lastIndexOf('/')), `.${name(b)}.tmp`);
    await copyFile(a, tmp, { overwrite: true });
    await fileSystemFor(b).rename(tmp, b);
  }
  return files.length + lastFiles.length;
}
