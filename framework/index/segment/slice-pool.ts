/**
 * Many growing byte streams (one per term and index) in a few large pages, as Lucene's ByteBlockPool:
 * a stream is a chain of slices of growing size, each ending in the 4-byte address of the next, so
 * appending never copies and per-stream state is three integers in typed arrays (no object per
 * stream, and a cache line or two touched per append instead of an object, its array and its buffer).
 * Addresses are page * PAGE_BYTES + offset; streams are read back whole, in order.
 */

const PAGE_BITS = 17;
const PAGE_BYTES = 1 << PAGE_BITS;
/** Slice sizes by level, link included; a stream's n-th slice has level min(n, last). */
const SLICE_BYTES = [16, 32, 64, 128, 256, 512, 1024, 2048, 4096] as const;
const LINK = 4;

export class SlicePool {
  private pages: Uint8Array[] = [];
  /** Next free address in the last page. */
  private free = PAGE_BYTES;
  /** Per stream: address of its first slice (-1: empty), the write address, the end of the current slice's data, its level. */
  private first = new Int32Array(0);
  private at = new Int32Array(0);
  private end = new Int32Array(0);
  private level = new Uint8Array(0);

  /** Bytes held: pages and per-stream state. */
  get bytes(): number {
    return this.pages.length * PAGE_BYTES + this.first.length * 13;
  }

  /** Make room for streams 0 .. n-1 (new ones empty). */
  ensureStreams(n: number): void {
    if (n <= this.first.length) return;
    let size = Math.max(1024, this.first.length * 2);
    while (size < n) size *= 2;
    const grow = <T extends Int32Array | Uint8Array>(a: T, make: (n: number) => T, fill: number): T => {
      const next = make(size);
      next.fill(fill);
      next.set(a);
      return next;
    };
    this.first = grow(this.first, (k) => new Int32Array(k), -1);
    this.at = grow(this.at, (k) => new Int32Array(k), 0);
    this.end = grow(this.end, (k) => new Int32Array(k), 0);
    this.level = grow(this.level, (k) => new Uint8Array(k), 0);
  }

  /** Whether stream `s` has any bytes. */
  has(s: number): boolean {
    return this.first[s]! >= 0;
  }

  /** A new slice of `size` bytes; returns its address. */
  private slice(size: number): number {
    if (this.free + size > 2 ** 31) throw new Error('postings buffer over 2 GiB: lower fullbuild.postings.mb');
    if ((this.free & (PAGE_BYTES - 1)) + size > PAGE_BYTES || this.free >= this.pages.length * PAGE_BYTES) {
      this.pages.push(new Uint8Array(PAGE_BYTES));
      this.free = (this.pages.length - 1) * PAGE_BYTES;
    }
    const addr = this.free;
    this.free += size;
    return addr;
  }

  /** Append one byte to stream `s`. */
  byte(s: number, b: number): void {
    let a = this.at[s]!;
    if (a === this.end[s]) a = this.next(s);
    this.pages[a >>> PAGE_BITS]![a & (PAGE_BYTES - 1)] = b;
    this.at[s] = a + 1;
  }

  /** Append an unsigned varint (up to 2^53) to stream `s`. */
  varint(s: number, v: number): void {
    while (v >= 0x80) {
      this.byte(s, (v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    this.byte(s, v);
  }

  /** Start the stream's first slice, or chain a new one after its full current slice; returns the write address. */
  private next(s: number): number {
    if (this.first[s]! < 0) {
      const addr = this.slice(SLICE_BYTES[0]);
      this.first[s] = addr;
      this.level[s] = 0;
      this.end[s] = addr + SLICE_BYTES[0] - LINK;
      return addr;
    }
    const lvl = Math.min(this.level[s]! + 1, SLICE_BYTES.length - 1);
    const size = SLICE_BYTES[lvl]!;
    const addr = this.slice(size);
    const linkAt = this.end[s]!;
    const page = this.pages[linkAt >>> PAGE_BITS]!;
    const off = linkAt & (PAGE_BYTES - 1);
    page[off] = addr & 0xff;
    page[off + 1] = (addr >>> 8) & 0xff;
    page[off + 2] = (addr >>> 16) & 0xff;
    page[off + 3] = (addr >>> 24) & 0xff;
    this.level[s] = lvl;
    this.end[s] = addr + size - LINK;
    return addr;
  }

  /** Hand stream `s`'s bytes to `out` in order, as views of the pages (valid until reset). */
  read(s: number, out: (bytes: Uint8Array) => void): void {
    let addr = this.first[s]!;
    if (addr < 0) return;
    let lvl = 0;
    for (;;) {
      const dataEnd = addr + SLICE_BYTES[lvl]! - LINK;
      const page = this.pages[addr >>> PAGE_BITS]!;
      const off = addr & (PAGE_BYTES - 1);
      if (this.at[s]! > addr && this.at[s]! <= dataEnd) {
        out(page.subarray(off, off + (this.at[s]! - addr)));
        return;
      }
      out(page.subarray(off, off + (dataEnd - addr)));
      const l = off + (dataEnd - addr);
      addr = page[l]! | (page[l + 1]! << 8) | (page[l + 2]! << 16) | (page[l + 3]! << 24);
      lvl = Math.min(lvl + 1, SLICE_BYTES.length - 1);
    }
  }

  /** Drop every stream and page. */
  reset(): void {
    this.pages = [];
    this.free = PAGE_BYTES;
    this.first = new Int32Array(0);
    this.at = new Int32Array(0);
    this.end = new Int32Array(0);
    this.level = new Uint8Array(0);
  }
}
