/** Bytes of a UTF-8 byte order mark (EF BB BF) at `buf[start]`, within `end`: 3 or 0. */
export function utf8BomLength(buf: Buffer, start: number, end: number): number {
  return end - start >= 3 && buf[start] === 0xef && buf[start + 1] === 0xbb && buf[start + 2] === 0xbf ? 3 : 0;
}
