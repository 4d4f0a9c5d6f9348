import path from 'node:path';
import type { SummaryCompression } from '../index/schema/model.ts';
import { summaryCodec, type BlockCodec } from '../index/segment/summary-codec.ts';
import { readFileOrThrow } from './bytes.ts';

/**
 * A compressed summary store's `data` as its blocks (docs/index-format.md "Summary"): `block` holds
 * (m+1) pairs of uint64 (uncompressed start, compressed start); a document's logical bytes lie in one
 * block, which is decompressed on demand (the last one used is kept).
 */
export class SummaryBlocks {
  /** Uncompressed bytes of the whole store. */
  readonly length: number;
  private readonly logicalStarts: Float64Array;
  private readonly storedStarts: Float64Array;
  private readonly codec: BlockCodec;
  private readonly file: string;
  private cached: { block: number; bytes: Buffer } | undefined;

  constructor(dir: string, private readonly data: Buffer, compression: SummaryCompression) {
    this.file = path.join(dir, 'block');
    this.codec = summaryCodec(compression);
    const buf = readFileOrThrow(this.file);
    if (buf.length % 16 !== 0 || buf.length < 16) throw new Error(`${this.file}: expected pairs of uint64 ending with the totals, found ${buf.length} bytes`);
    const n = buf.length / 16;
    this.logicalStarts = new Float64Array(n);
    this.storedStarts = new Float64Array(n);
    for (let b = 0; b < n; b++) {
      const logical = Number(buf.readBigUInt64LE(b * 16));
      const stored = Number(buf.readBigUInt64LE(b * 16 + 8));
      if (b > 0 && (logical <= this.logicalStarts[b - 1]! || stored <= this.storedStarts[b - 1]!)) {
        throw new Error(`${this.file}: block ${b} (at byte ${b * 16}) does not start after block ${b - 1}`);
      }
      this.logicalStarts[b] = logical;
      this.storedStarts[b] = stored;
    }
    if (this.logicalStarts[0] !== 0 || this.storedStarts[0] !== 0) throw new Error(`${this.file}: the first block does not start at 0`);
    if (this.storedStarts[n - 1] !== data.length) {
      throw new Error(`${this.file}: blocks end at byte ${this.storedStarts[n - 1]} of ${path.join(dir, 'data')}, which has ${data.length} bytes`);
    }
    this.length = this.logicalStarts[n - 1]!;
  }

  /** The UTF-8 text of logical bytes [start, end), which lie in one block. */
  text(start: number, end: number): string {
    if (end === start) return '';
    const b = this.blockOf(start);
    const from = this.logicalStarts[b]!;
    if (end > this.logicalStarts[b + 1]!) throw new Error(`${this.file}: a document (logical bytes ${start}..${end}) crosses the end of block ${b}`);
    return this.bytes(b).toString('utf8', start - from, end - from);
  }

  /** The last block starting at or before `at`. */
  private blockOf(at: number): number {
    let lo = 0;
    let hi = this.logicalStarts.length - 2;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.logicalStarts[mid]! <= at) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  private bytes(b: number): Buffer {
    if (this.cached?.block === b) return this.cached.bytes;
    const stored = this.data.subarray(this.storedStarts[b]!, this.storedStarts[b + 1]!);
    let bytes: Buffer;
    try {
      bytes = this.codec.decompress(stored);
    } catch (err) {
      throw new Error(`${this.file}: block ${b} (bytes ${this.storedStarts[b]}..${this.storedStarts[b + 1]} of data) does not decompress with ${this.codec.name}: ${(err as Error).message}`);
    }
    const want = this.logicalStarts[b + 1]! - this.logicalStarts[b]!;
    if (bytes.length !== want) throw new Error(`${this.file}: block ${b} decompresses to ${bytes.length} bytes, expected ${want}`);
    this.cached = { block: b, bytes };
    return bytes;
  }
}
