import fs from 'node:fs';
import path from 'node:path';
import { ByteSink } from '../../shuffle/bytes.ts';

/** A buffered, synchronous file writer (index files are written sequentially by one reduce task). */
export class FileSink extends ByteSink {
  private readonly fd: number;
  written = 0;

  constructor(readonly file: string) {
    super(256 * 1024);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    this.fd = fs.openSync(file, 'w');
  }

  /** Total bytes appended so far (written + buffered). */
  get position(): number {
    return this.written + this.length;
  }

  maybeFlush(): void {
    if (this.length >= 192 * 1024) this.flush();
  }

  flush(): void {
    let off = 0;
    while (off < this.length) off += fs.writeSync(this.fd, this.buf, off, this.length - off);
    this.written += this.length;
    this.reset();
  }

  uint64(v: number | bigint): void {
    this.ensure(8);
    if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) {
      // Two 32-bit halves: no BigInt for the offsets written once per document.
      this.buf.writeUInt32LE(v % 0x100000000, this.length);
      this.buf.writeUInt32LE(Math.floor(v / 0x100000000), this.length + 4);
    } else this.buf.writeBigUInt64LE(BigInt(v), this.length);
    this.length += 8;
  }

  utf8(s: string): void {
    this.ensure(3 * s.length); // the UTF-8 bound: no byteLength pass over the text
    this.length += this.buf.write(s, this.length, 'utf8');
  }

  close(): void {
    this.flush();
    fs.closeSync(this.fd);
  }
}
