/** A growable byte buffer with LEB128 varints, for building spill records. */
export class ByteSink {
  buf: Buffer;
  length = 0;

  /**
   * `limit`: growth by doubling stops there (larger only when one write needs it); `jump`: the first
   * growth goes straight to the limit (one outgrown buffer, not a chain of them).
   */
  constructor(
    initial = 64 * 1024,
    private readonly limit = Infinity,
    private readonly jump = false,
  ) {
    this.buf = Buffer.allocUnsafe(initial);
  }

  ensure(extra: number): void {
    if (this.length + extra <= this.buf.length) return;
    let size = this.jump ? this.limit : this.buf.length * 2;
    while (size < this.length + extra) size *= 2;
    size = Math.max(this.length + extra, Math.min(size, this.limit));
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }

  /** Unsigned LEB128 of a non-negative safe integer (up to 2^53). */
  varint(n: number): void {
    if (!(n >= 0 && n <= Number.MAX_SAFE_INTEGER)) throw new RangeError(`varint out of range: ${n}`);
    this.ensure(8);
    while (n >= 0x80) {
      this.buf[this.length++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    this.buf[this.length++] = n;
  }

  bytes(src: Uint8Array, start = 0, end = src.length): void {
    this.ensure(end - start);
    this.buf.set(src.subarray(start, end), this.length);
    this.length += end - start;
  }

  /** One shuffle record: varint key length, varint value length, key, value. */
  record(key: Uint8Array, value: Uint8Array): void {
    this.varint(key.length);
    this.varint(value.length);
    this.bytes(key);
    this.bytes(value);
  }

  reset(): void {
    this.length = 0;
  }
}

/** A read position inside a buffer, advanced by readVarint. */
export interface Cursor {
  at: number;
}

/** Read one unsigned LEB128 varint (exact up to 2^53) at `pos`, advancing it; `file` names errors. */
export function readVarint(buf: Uint8Array, pos: Cursor, file: string): number {
  let result = 0;
  let scale = 1;
  for (;;) {
    if (pos.at >= buf.length) throw new Error(`${file}: truncated varint at byte ${pos.at}`);
    const b = buf[pos.at++]!;
    result += (b & 0x7f) * scale;
    if (b < 0x80) return result;
    scale *= 128;
    if (scale > 2 ** 56) throw new Error(`${file}: varint too long at byte ${pos.at}`);
  }
}
