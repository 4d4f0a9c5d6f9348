/** Row-key arithmetic for HBase splits: clipping a region to a scan's range, cutting a range evenly. */

/** [start, end) of row keys; an empty `end` is the end of the table. */
export interface RowRange {
  readonly start: Buffer;
  readonly end: Buffer;
}

const before = (a: Buffer, b: Buffer): boolean => b.length === 0 || Buffer.compare(a, b) < 0;

/** The part of `region` inside `scan`, or undefined when they do not overlap. */
export function clip(region: RowRange, scan: RowRange): RowRange | undefined {
  const start = Buffer.compare(region.start, scan.start) >= 0 ? region.start : scan.start;
  const end = region.end.length === 0 ? scan.end : scan.end.length === 0 ? region.end : Buffer.compare(region.end, scan.end) <= 0 ? region.end : scan.end;
  return end.length === 0 || before(start, end) ? { start, end } : undefined;
}

const toBig = (b: Buffer): bigint => (b.length ? BigInt(`0x${b.toString('hex')}`) : 0n);

function fromBig(n: bigint, length: number): Buffer {
  return Buffer.from(n.toString(16).padStart(length * 2, '0'), 'hex');
}

/**
 * Cut `range` into up to `n` ranges of about equal key space (HBase's Bytes.split, as TableInputFormat
 * does for mappers.per.region): keys read as big-endian numbers one byte longer than the longer bound,
 * an empty end as just past all 0xFF. Fewer ranges when the key space is too narrow.
 */
export function cutEvenly(range: RowRange, n: number): RowRange[] {
  if (n <= 1) return [range];
  const length = Math.max(range.start.length, range.end.length, 1) + 1;
  const pad = (b: Buffer): Buffer => Buffer.concat([b, Buffer.alloc(length - b.length)]);
  const lo = toBig(pad(range.start));
  const hi = range.end.length ? toBig(pad(range.end)) : 1n << BigInt(8 * length);
  const points: Buffer[] = [];
  for (let i = 1; i < n; i++) {
    const p = lo + ((hi - lo) * BigInt(i)) / BigInt(n);
    const key = fromBig(p, length);
    const last = points[points.length - 1] ?? range.start;
    if (Buffer.compare(key, last) > 0 && before(key, range.end)) points.push(key);
  }
  const bounds = [range.start, ...points, range.end];
  return bounds.slice(0, -1).map((start, i) => ({ start, end: bounds[i + 1]! }));
}
