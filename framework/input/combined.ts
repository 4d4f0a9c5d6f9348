import type { CombinedFiles, InputSplit } from './types.ts';

/** One file's byte range on its way into a combined split. */
export interface FileChunk {
  readonly path: string;
  readonly start: number;
  readonly length: number;
  readonly fileLength: number;
  /** Position of the file among the job's inputs. */
  readonly fileIndex: number;
  /** Hosts holding the chunk (empty when unknown). */
  readonly hosts: readonly string[];
}

/** Hosts a combined split names at most (like a block's replicas). */
const MAX_SPLIT_HOSTS = 3;

/** The directory prefix (ending in `/`) all paths share; '' when none. */
function commonDir(paths: readonly string[]): string {
  let dir = paths[0]!.slice(0, paths[0]!.lastIndexOf('/') + 1);
  for (const p of paths) {
    while (dir && !p.startsWith(dir)) dir = dir.length > 1 ? dir.slice(0, dir.lastIndexOf('/', dir.length - 2) + 1) : '';
    if (!dir) break;
  }
  return dir;
}

/** The hosts holding most of the chunks' bytes: those with at least half of them, else the top one. */
function majorityHosts(chunks: readonly FileChunk[], total: number): readonly string[] {
  const bytes = new Map<string, number>();
  for (const c of chunks) for (const h of c.hosts) bytes.set(h, (bytes.get(h) ?? 0) + c.length);
  const ranked = [...bytes].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const most = ranked.filter(([, n]) => 2 * n >= total);
  return (most.length ? most : ranked.slice(0, 1)).slice(0, MAX_SPLIT_HOSTS).map(([h]) => h);
}

/** A split reading `chunks` (at least one) in (fileIndex, start) order; one chunk gives a plain split. */
export function combineChunks(chunks: readonly FileChunk[]): InputSplit {
  const sorted = [...chunks].sort((a, b) => a.fileIndex - b.fileIndex || a.start - b.start);
  const first = sorted[0]!;
  if (sorted.length === 1) return { path: first.path, start: first.start, length: first.length, fileLength: first.fileLength, hosts: first.hosts, fileIndex: first.fileIndex };
  let length = 0;
  for (const c of sorted) length += c.length;
  const dir = commonDir(sorted.map((c) => c.path));
  const combined: CombinedFiles = {
    dir,
    names: sorted.map((c) => c.path.slice(dir.length)),
    starts: sorted.map((c) => c.start),
    lengths: sorted.map((c) => c.length),
    fileLengths: sorted.map((c) => c.fileLength),
    fileIndexes: sorted.map((c) => c.fileIndex),
  };
  return { path: first.path, start: first.start, length, fileLength: first.fileLength, hosts: majorityHosts(sorted, length), fileIndex: first.fileIndex, combined };
}

/** Files a split reads: itself, or one plain split per chunk of a combined split, in order. */
export function* splitChunks(split: InputSplit): Generator<InputSplit> {
  const c = split.combined;
  if (!c) {
    yield split;
    return;
  }
  for (let i = 0; i < c.names.length; i++) {
    yield { path: c.dir + c.names[i]!, start: c.starts[i]!, length: c.lengths[i]!, fileLength: c.fileLengths[i]!, hosts: [], fileIndex: c.fileIndexes[i]! };
  }
}
