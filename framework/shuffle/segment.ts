import fs from 'node:fs';

/** Where one partition's records sit in a map output (or spill) file. */
export interface Segment {
  readonly file: string;
  readonly offset: number;
  readonly length: number;
  readonly records: number;
}

/**
 * Sequential, synchronous reader of the records of one segment, with a bounded buffer. `key` and
 * `value` are views valid until the next `next()`. The file is opened by the first `next()` and closed
 * at the end of the segment, when `next()` throws, or by `close()` (safe to call more than once).
 */
export class SegmentReader {
  key: Buffer = Buffer.alloc(0);
  value: Buffer = Buffer.alloc(0);
  private fd: number | undefined;
  private buf: Buffer;
  private bufStart = 0; // file offset of buf[0]
  private bufLen = 0;
  private pos: number; // file offset of the next record
  private readonly end: number;

  constructor(
    readonly segment: Segment,
    readonly order: number,
    bufferSize = 256 * 1024,
  ) {
    this.pos = segment.offset;
    this.end = segment.offset + segment.length;
    this.buf = Buffer.allocUnsafe(Math.min(bufferSize, Math.max(16, segment.length)));
  }

  /** Ensure bytes [pos, pos+n) are in the buffer. */
  private fill(n: number): void {
    const rel = this.pos - this.bufStart;
    if (rel >= 0 && rel + n <= this.bufLen) return;
    if (n > this.buf.length) this.buf = Buffer.allocUnsafe(Math.max(n, this.buf.length * 2));
    this.fd ??= fs.openSync(this.segment.file, 'r');
    const want = Math.min(this.buf.length, this.end - this.pos);
    let got = 0;
    while (got < want) {
      const r = fs.readSync(this.fd, this.buf, got, want - got, this.pos + got);
      if (r === 0) break;
      got += r;
    }
    if (got < n) throw new Error(`${this.segment.file}: truncated shuffle segment at byte ${this.pos}`);
    this.bufStart = this.pos;
    this.bufLen = got;
  }

  private varint(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = this.buf[this.pos - this.bufStart]!;
      this.pos++;
      result += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return result;
      shift += 7;
    }
  }

  /** Advance to the next record; false (and the file closed) at the end of the segment. */
  next(): boolean {
    if (this.pos >= this.end) {
      this.close();
      return false;
    }
    try {
      this.read();
    } catch (err) {
      this.close();
      throw err;
    }
    return true;
  }

  private read(): void {
    this.fill(Math.min(10, this.end - this.pos));
    const klen = this.varint();
    const vlen = this.varint();
    this.fill(klen + vlen);
    const rel = this.pos - this.bufStart;
    this.key = this.buf.subarray(rel, rel + klen);
    this.value = this.buf.subarray(rel + klen, rel + klen + vlen);
    this.pos += klen + vlen;
  }

  close(): void {
    const fd = this.fd;
    this.fd = undefined;
    if (fd !== undefined) fs.closeSync(fd);
  }
}
