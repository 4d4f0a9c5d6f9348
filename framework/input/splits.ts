import { fileSystemFor } from '../fs/resolve.ts';
import type { BlockLocation, FileStatus } from '../fs/types.ts';
import { combineSmallFiles } from './combine.ts';
import type { FileChunk } from './combined.ts';
import { listInputFiles } from './paths.ts';
import type { FileInputOptions, InputSplit, SplitOptions } from './types.ts';
import { inWindows, PLANNING_WIDTH } from './windows.ts';

/** Hadoop's SPLIT_SLOP: the last split may be up to 10% larger rather than leave a tiny tail. */
const SPLIT_SLOP = 1.1;

/** One host list per distinct set of hosts, so a million splits share a few arrays. */
class HostLists {
  private readonly lists = new Map<string, readonly string[]>();

  intern(hosts: readonly string[]): readonly string[] {
    const key = hosts.join('\n');
    let list = this.lists.get(key);
    if (!list) this.lists.set(key, (list = Object.freeze([...hosts])));
    return list;
  }
}

/** Hosts of the block holding each offset, for offsets asked in increasing order. */
function hostsWalker(blocks: readonly BlockLocation[], hostLists: HostLists): (offset: number) => readonly string[] {
  let b = 0;
  return (offset) => {
    while (b < blocks.length && offset >= blocks[b]!.offset + blocks[b]!.length) b++;
    const block = blocks[b];
    return block && offset >= block.offset ? hostLists.intern(block.hosts) : hostLists.intern([]);
  };
}

/** Splits of one file by size (Hadoop FileInputFormat.getSplits), appended to `out`. */
function splitFile(file: FileStatus, fileIndex: number, size: number, splittable: boolean, hostsAt: (offset: number) => readonly string[], out: InputSplit[]): void {
  const { path, length: fileLength } = file;
  if (!splittable) {
    out.push({ path, start: 0, length: fileLength, fileLength, hosts: hostsAt(0), fileIndex });
    return;
  }
  let remaining = fileLength;
  while (remaining / size > SPLIT_SLOP) {
    const start = fileLength - remaining;
    out.push({ path, start, length: size, fileLength, hosts: hostsAt(start), fileIndex });
    remaining -= size;
  }
  const start = fileLength - remaining;
  out.push({ path, start, length: remaining, fileLength, hosts: hostsAt(start), fileIndex });
}

async function planSplits(paths: readonly string[], options: SplitOptions, combine: boolean): Promise<InputSplit[]> {
  const files = await listInputFiles(paths);
  const hostLists = new HostLists();
  const splits: InputSplit[] = [];
  // The current run of consecutive small files: combined when a big file (or the end) closes it, so
  // maps still read the files in input order (on one host exactly as without combining).
  let run: FileChunk[] = [];
  let runSize = Infinity;
  const closeRun = (): void => {
    if (run.length) for (const s of combineSmallFiles(run, runSize, options.maxFilesPerSplit)) splits.push(s);
    run = [];
    runSize = Infinity;
  };
  // Hadoop MR1's goal size: the input over the maps wanted, bounded by the block size and split.minsize.
  const goalSize = options.splitSize === undefined && options.numSplits ? files.reduce((n, f) => n + f.length, 0) / options.numSplits : undefined;
  const located = inWindows(files, PLANNING_WIDTH, async (f) => (f.length === 0 ? [] : fileSystemFor(f.path).blockLocations(f.path, 0, f.length)));
  let fileIndex = 0;
  for await (const blocks of located) {
    const f = files[fileIndex]!;
    const i = fileIndex++;
    if (f.length === 0) continue;
    const hostsAt = hostsWalker(blocks, hostLists);
    const size = Math.max(1, Math.floor(options.splitSize ?? (goalSize !== undefined ? Math.max(options.minSplitSize ?? 1, Math.min(goalSize, f.blockSize)) : f.blockSize)));
    if (combine && f.length < size) {
      run.push({ path: f.path, start: 0, length: f.length, fileLength: f.length, fileIndex: i, hosts: hostsAt(0) });
      runSize = Math.min(runSize, size);
      continue;
    }
    closeRun();
    splitFile(f, i, size, !f.path.endsWith('.gz'), hostsAt, splits);
  }
  closeRun();
  return splits;
}

/**
 * Byte-range splits over all input files, one file per split (Hadoop's FileInputFormat); `.gz` files
 * are not splittable (one split each). Linear in the splits (a split size of 1 byte on a 1 MB file plans
 * a million of them).
 */
export function fileSplits(paths: readonly string[], options: SplitOptions): Promise<InputSplit[]> {
  return planSplits(paths, options, false);
}

/**
 * Like fileSplits, but files smaller than the split size are combined into splits of up to the split
 * size, preferring files on the same host (Hadoop's CombineFileInputFormat), unless `combine: false`.
 * Files of at least the split size are split as fileSplits does, and only consecutive small files
 * share a split, so maps read the input in the same order as without combining (on one host).
 */
export function combineFileSplits(paths: readonly string[], options: SplitOptions): Promise<InputSplit[]> {
  return planSplits(paths, options, options.combine !== false);
}

/** getSplits of a file-based format: combineFileSplits, off when the format or the split options say `combine: false`. */
export function combiningSplits(format: FileInputOptions): (paths: readonly string[], options: SplitOptions) => Promise<InputSplit[]> {
  return (paths, options) => combineFileSplits(paths, { ...options, combine: options.combine !== false && format.combine !== false });
}
