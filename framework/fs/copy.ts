import { pipeline } from 'node:stream/promises';
import PQueue from 'p-queue';
import { fileSystemFor, joinPath } from './resolve.ts';
import { FsError } from './types.ts';

/** Stream one file between any two FileSystems. */
export async function copyFile(from: string, to: string, options: { overwrite?: boolean } = {}): Promise<void> {
  await pipeline(fileSystemFor(from).openRead(from), fileSystemFor(to).create(to, options));
}

/** Stream files one after another into one new file (fails if it exists). */
export async function concatFiles(sources: readonly string[], to: string): Promise<void> {
  async function* bytes(): AsyncGenerator<Buffer> {
    for (const s of sources) yield* fileSystemFor(s).openRead(s) as AsyncIterable<Buffer>;
  }
  await pipeline(bytes, fileSystemFor(to).create(to));
}

/**
 * Files copied at once by copyTree. An HDFS file costs a few hundred ms to close whatever its size (the
 * client waits until the DataNode has reported the last block), so many go at once, the largest first.
 */
export const COPY_CONCURRENCY = 16;

/**
 * Copy a file or a directory tree. The leaf directories are made first (their parents with them), then
 * the files are copied up to COPY_CONCURRENCY at a time; `last` names (e.g. `version.0`) are copied
 * beside the others under a temporary name and renamed into place once every other file is copied, so
 * their presence marks a complete copy.
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
  const leaves: string[] = [];
  const files: { from: string; to: string; length: number }[] = [];
  const renames: [string, string][] = [];
  const walk = async (dir: string, target: string): Promise<void> => {
    let subdirs = 0;
    for (const e of await src.list(dir)) {
      const dest = joinPath(target, name(e.path));
      if (e.isDirectory) {
        subdirs++;
        await walk(e.path, dest);
      } else if (last.has(name(e.path))) {
        const tmp = joinPath(target, `.${name(dest)}.tmp`);
        files.push({ from: e.path, to: tmp, length: e.length });
        renames.push([tmp, dest]);
      } else files.push({ from: e.path, to: dest, length: e.length });
    }
    if (subdirs === 0) leaves.push(target);
  };
  await walk(from, to);
  // After the first failure the queued copies do nothing; the running ones finish before it is thrown.
  const queue = new PQueue({ concurrency: COPY_CONCURRENCY });
  const run: { failure?: { error: unknown } } = {};
  const each = <T>(items: readonly T[], fn: (item: T) => Promise<unknown>): Promise<unknown> =>
    Promise.all(
      items.map((item) =>
        queue.add(async () => {
          if (run.failure) return;
          try {
            await fn(item);
          } catch (error) {
            run.failure ??= { error };
          }
        }),
      ),
    );
  const rethrow = (): void => {
    if (run.failure) throw run.failure.error;
  };
  await each(leaves, (dir) => fileSystemFor(dir).mkdirs(dir));
  rethrow();
  const temporary = new Set(renames.map(([tmp]) => tmp));
  files.sort((a, b) => b.length - a.length);
  await each(files, (f) => copyFile(f.from, f.to, temporary.has(f.to) ? { ...options, overwrite: true } : options));
  rethrow();
  for (const [tmp, dest] of renames) await fileSystemFor(dest).rename(tmp, dest);
  return files.length;
}
