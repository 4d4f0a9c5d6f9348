import type { Partitioner } from '../job/types.ts';

/** FNV-1a (32-bit) over bytes. */
export function fnv1a(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i]!;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Hadoop's HashPartitioner, over the key's sortable encoding so equal keys always meet. */
export const hashPartitioner: Partitioner<unknown> = (_key, numPartitions, keyBytes) => fnv1a(keyBytes) % numPartitions;

/**
 * Hadoop's TotalOrderPartitioner over sorted split points (keys' sortable encodings): a key goes to the
 * number of points at or below it, so partition p holds the keys in [points[p-1], points[p]).
 */
export function rangePartitioner(points: readonly Buffer[]): Partitioner<unknown> {
  for (let i = 1; i < points.length; i++) if (Buffer.compare(points[i - 1]!, points[i]!) > 0) throw new Error(`total-order split points out of order at point ${i}`);
  return (_key, numPartitions, keyBytes) => {
    if (numPartitions !== points.length + 1) throw new Error(`total-order partitioner: ${points.length} split point(s) make ${points.length + 1} partition(s), the step has ${numPartitions} reducer(s)`);
    let lo = 0;
    let hi = points.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (Buffer.compare(points[mid]!, keyBytes) <= 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}
