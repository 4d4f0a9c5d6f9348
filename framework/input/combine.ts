import { combineChunks, type FileChunk } from './combined.ts';
import type { InputSplit } from './types.ts';

/** Default cap on the files of one combined split (Hadoop has none; this bounds a TaskSpec). */
export const MAX_FILES_PER_SPLIT = 10_000;

/** Packs chunks into splits of at most `maxBytes` bytes and `maxFiles` chunks. */
class Packer {
  private current: number[] = [];
  private bytes = 0;
  readonly full: number[][] = [];

  constructor(
    private readonly chunks: readonly FileChunk[],
    private readonly maxBytes: number,
    private readonly maxFiles: number,
  ) {}

  add(i: number): void {
    const n = this.chunks[i]!.length;
    if (this.current.length > 0 && (this.bytes + n > this.maxBytes || this.current.length >= this.maxFiles)) this.close();
    this.current.push(i);
    this.bytes += n;
    if (this.bytes >= this.maxBytes) this.close();
  }

  /** The chunks of the split being filled, taken back (it is not full). */
  takePartial(): number[] {
    const p = this.current;
    this.current = [];
    this.bytes = 0;
    return p;
  }

  close(): void {
    if (this.current.length) this.full.push(this.current);
    this.current = [];
    this.bytes = 0;
  }
}

/**
 * Hadoop's CombineFileInputFormat for whole small files: per host (most bytes first), the host's
 * chunks not yet taken are packed into splits of up to `maxBytes` (and `maxFiles` chunks); a host's
 * last, partial split goes back to the pool, for later hosts. What is left (and chunks with no known
 * host) is then packed in input order. Each chunk is in exactly one split; within a split chunks keep
 * (fileIndex, start) order, and the splits are returned in the order of their first chunk. Linear in
 * the chunks times their hosts.
 */
export function combineSmallFiles(chunks: readonly FileChunk[], maxBytes: number, maxFiles = MAX_FILES_PER_SPLIT): InputSplit[] {
  const taken = new Uint8Array(chunks.length);
  const byHost = new Map<string, { bytes: number; chunks: number[] }>();
  for (const [i, c] of chunks.entries()) {
    for (const h of c.hosts) {
      let e = byHost.get(h);
      if (!e) byHost.set(h, (e = { bytes: 0, chunks: [] }));
      e.bytes += c.length;
      e.chunks.push(i);
    }
  }
  const hosts = [...byHost].sort((a, b) => b[1].bytes - a[1].bytes || (a[0] < b[0] ? -1 : 1));
  const packer = new Packer(chunks, Math.max(1, maxBytes), Math.max(1, maxFiles));
  for (const [, e] of hosts) {
    for (const i of e.chunks) {
      if (taken[i]) continue;
      taken[i] = 1;
      packer.add(i);
    }
    for (const i of packer.takePartial()) taken[i] = 0;
  }
  for (let i = 0; i < chunks.length; i++) if (!taken[i]) packer.add(i);
  packer.close();
  const splits = packer.full.map((group) => combineChunks(group.map((i) => chunks[i]!)));
  return splits.sort((a, b) => a.fileIndex - b.fileIndex || a.start - b.start);
}
