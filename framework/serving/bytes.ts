import fs from 'node:fs';

/** Little helpers for reading bsctl's index files (docs/index-format.md). */

export { readVarint, type Cursor } from '../shuffle/bytes.ts';

/** Read a whole file (a missing file is a clear error naming it). */
export function readFileOrThrow(file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new Error(`${file}: cannot read index file: ${(err as Error).message}`);
  }
}

/** Parse a JSON file, naming it on failure. */
export function readJsonFile(file: string): unknown {
  const text = readFileOrThrow(file).toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new Error(`${file}: invalid JSON: ${(err as Error).message}`);
  }
}

/**
 * An (n+1)-entry uint64 offset file, as used by string/multi-value attributes and the summary:
 * entry d..d+1 delimits document d's bytes. Checked for size and monotonicity on load.
 */
export class OffsetTable {
  private readonly offsets: Float64Array;

  constructor(readonly file: string, docCount: number, dataLength: number) {
    const buf = readFileOrThrow(file);
    if (buf.length !== (docCount + 1) * 8) {
      throw new Error(`${file}: expected ${(docCount + 1) * 8} bytes for ${docCount} documents, found ${buf.length}`);
    }
    this.offsets = new Float64Array(docCount + 1);
    let prev = 0;
    for (let d = 0; d <= docCount; d++) {
      const v = buf.readBigUInt64LE(d * 8);
      if (v > BigInt(dataLength) || Number(v) < prev) throw new Error(`${file}: offset ${d} (${v}) is out of order or past the data (${dataLength} bytes)`);
      prev = Number(v);
      this.offsets[d] = prev;
    }
    if (prev !== dataLength) throw new Error(`${file}: last offset ${prev} does not match the data length ${dataLength}`);
  }

  /** [start, end) of document `docId`'s bytes. */
  range(docId: number): [number, number] {
    return [this.offsets[docId]!, this.offsets[docId + 1]!];
  }
}

/** Read `length` bytes at `position` of an open file. */
export function readAt(fd: number, position: number, length: number, file: string): Buffer {
  const out = Buffer.alloc(length);
  let got = 0;
  while (got < length) {
    const n = fs.readSync(fd, out, got, length - got, position + got);
    if (n === 0) throw new Error(`${file}: unexpected end of file at byte ${position + got}`);
    got += n;
  }
  return out;
}
