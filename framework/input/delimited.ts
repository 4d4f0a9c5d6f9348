import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import { fileSystemFor } from '../fs/resolve.ts';
import { InputError, type ChunkHook, type InputSplit } from './types.ts';

/** A record longer than this is an input error (usually a wrong delimiter, e.g. CRLF in ha3 files). */
export const MAX_RECORD_BYTES = 256 * 1024 * 1024;

/** The last `n` bytes of `first` followed by `rest`, without joining (or copying the list of) them all. */
function tail(first: Buffer, rest: readonly Buffer[], n: number): Buffer {
  const out: Buffer[] = [];
  let need = n;
  for (let k = rest.length; k >= 0 && need > 0; k--) {
    const b = k === 0 ? first : rest[k - 1]!;
    const take = Math.min(need, b.length);
    out.unshift(b.subarray(b.length - take));
    need -= take;
  }
  return Buffer.concat(out);
}

/**
 * Receives one record: bytes [start, end) of `buf` (delimiter excluded), its file offset, and whether
 * it was closed by a delimiter (false only for a last record running to end of file).
 */
export type RawRecordSink = (buf: Buffer, start: number, end: number, offset: number, terminated: boolean) => void;

/**
 * Reads the records of a split separated by a (non self-overlapping) delimiter, with Hadoop's
 * boundary rule: a record starting at byte p belongs to the split holding byte p-1 (p = 0 belongs to
 * the first split). A split therefore skips its first partial record and reads past its end to finish
 * its last one, so every record is read exactly once whatever the split size.
 */
export class DelimitedReader {
  bytesRead = 0;
  private readonly delimiter: Buffer;

  constructor(
    private readonly split: InputSplit,
    delimiter: string,
    private readonly maxRecordBytes = MAX_RECORD_BYTES,
  ) {
    this.delimiter = Buffer.from(delimiter, 'latin1');
  }

  /** Compressed bytes consumed (for .gz, where file offsets are of the decompressed text). */
  private compressedRead = 0;

  private open(from: number): Readable {
    const fs = fileSystemFor(this.split.path);
    // A small split reads a little past its end (to finish its last record), not a whole 1 MiB chunk.
    const chunkBytes = Math.min(1024 * 1024, Math.max(16 * 1024, this.split.length + 8 * 1024));
    if (!this.split.path.endsWith('.gz')) return fs.openRead(this.split.path, from, undefined, { chunkBytes });
    const raw = fs.openRead(this.split.path);
    raw.on('data', (chunk: Buffer) => (this.compressedRead += chunk.length));
    const gunzip = createGunzip();
    raw.on('error', (e) => gunzip.destroy(e));
    return raw.pipe(gunzip);
  }

  async read(sink: RawRecordSink, betweenChunks?: ChunkHook): Promise<void> {
    const D = this.delimiter;
    const L = D.length;
    const s = this.split.start;
    const gz = this.split.path.endsWith('.gz');
    const e = gz ? Number.MAX_SAFE_INTEGER : s + this.split.length;
    // Scan from s-L+1 so a delimiter whose last byte is at s (a record starting at s+1) is seen.
    const from = s === 0 ? 0 : Math.max(0, s - L + 1);
    const stream = this.open(from);
    let carry: Buffer = Buffer.alloc(0);
    let carryPos = from; // file offset of carry[0]
    let p: number | undefined = s === 0 ? 0 : undefined; // file offset of the next owned record
    // Chunks after `carry` that complete no record yet: joined once, when the record ends, so a long
    // record costs linear time (re-joining and re-scanning it for every chunk would be quadratic).
    let pending: Buffer[] = [];
    let pendingLength = 0;
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        if (p !== undefined && carry.length + pendingLength > 0) {
          const boundary = L > 1 ? Buffer.concat([tail(carry, pending, L - 1), chunk.subarray(0, L - 1)]) : Buffer.alloc(0);
          if (chunk.indexOf(D) < 0 && boundary.indexOf(D) < 0) {
            pending.push(chunk);
            pendingLength += chunk.length;
            if (carry.length + pendingLength > this.maxRecordBytes) {
              throw new InputError(this.split.path, p, `record longer than ${this.maxRecordBytes} bytes without a delimiter (${JSON.stringify(D.toString('latin1'))}); wrong delimiter or line ends?`);
            }
            continue;
          }
        }
        const buf = carry.length + pendingLength > 0 ? Buffer.concat([carry, ...pending, chunk]) : chunk;
        pending = [];
        pendingLength = 0;
        const bufPos = carryPos;
        let i = 0;
        if (p === undefined) {
          const j = buf.indexOf(D);
          if (j < 0) {
            const keep = Math.min(L - 1, buf.length);
            carry = buf.subarray(buf.length - keep);
            carryPos = bufPos + buf.length - keep;
            continue;
          }
          i = j + L;
          p = bufPos + i;
        }
        while (p <= e) {
          const j = L === 1 ? buf.indexOf(D[0]!, i) : buf.indexOf(D, i);
          if (j < 0) break;
          sink(buf, i, j, p, true);
          i = j + L;
          p = bufPos + i;
        }
        this.bytesRead = gz ? Math.min(this.compressedRead, this.split.length) : Math.max(0, Math.min(p, e) - s);
        if (p > e) return;
        carry = buf.subarray(i);
        carryPos = p;
        if (betweenChunks) await betweenChunks();
      }
      // End of file: an unterminated last record, if this split owns it.
      if (pendingLength > 0) carry = Buffer.concat([carry, ...pending]);
      if (p !== undefined && p <= e && carry.length > 0) sink(carry, 0, carry.length, p, false);
      this.bytesRead = this.split.length;
    } finally {
      stream.destroy();
    }
  }
}
