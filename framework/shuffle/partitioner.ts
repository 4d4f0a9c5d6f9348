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
