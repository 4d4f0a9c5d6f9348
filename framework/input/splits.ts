import { fileSystemFor } from '../fs/resolve.ts';
import type { FileStatus } from '../fs/types.ts';
import { listInputFiles } from './paths.ts';
import type { InputSplit, SplitOptions } from './types.ts';

/** Hadoop's SPLIT_SLOP: the last split may be up to 10% larger rather than leave a tiny tail. */
const SPLIT_SLOP = 1.1;

/** Splits of one file by size (Hadoop FileInputFormat.getSplits), with block hosts for locality. */
async function splitFile(file: FileStatus, fileIndex: number, options: SplitOptions, splittable: boolean): Promise<InputSplit[]> {
  if (file.length === 0) return [];
  const fs = fileSystemFor(file.path);
  const blocks = await fs.blockLocations(file.path, 0, file.length);
  const hostsAt = (offset: number): readonly string[] =>
    blocks.find((b) => offset >= b.offset && offset < b.offset + b.length)?.hosts ?? [];
  if (!splittable) return [{ path: file.path, start: 0, length: file.length, fileLength: file.length, hosts: hostsAt(0), fileIndex }];
  const size = Math.max(1, Math.floor(options.splitSize ?? file.blockSize));
  const splits: InputSplit[] = [];
  let remaining = file.length;
  while (remaining / size > SPLIT_SLOP) {
    const start = file.length - remaining;
    splits.push({ path: file.path, start, length: size, fileLength: file.length, hosts: hostsAt(start), fileIndex });
    remaining -= size;
  }
  const start = file.length - remaining;
  splits.push({ path: file.path, start, length: remaining, fileLength: file.length, hosts: hostsAt(start), fileIndex });
  return splits;
}

/** Byte-range splits over all input files; `.gz` files are not splittable (one split each). */
export async function fileSplits(paths: readonly string[], options: SplitOptions): Promise<InputSplit[]> {
  const files = await listInputFiles(paths);
  const all: InputSplit[] = [];
  for (const [i, f] of files.entries()) all.push(...(await splitFile(f, i, options, !f.path.endsWith('.gz'))));
  return all;
}
