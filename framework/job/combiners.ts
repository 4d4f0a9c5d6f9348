import type { CombineFn } from './types.ts';

/** Sums numbers: the word-count combiner. */
export const sum: CombineFn<number, number> = {
  create: () => 0,
  add: (acc, v) => acc + v,
  merge: (a, b) => a + b,
  extract: (acc) => acc,
};

/** Keeps the largest number. */
export const max: CombineFn<number, number> = {
  create: () => -Infinity,
  add: (acc, v) => (v > acc ? v : acc),
  merge: (a, b) => (a > b ? a : b),
  extract: (acc) => acc,
};

/** Sums BigInt values exactly (UINT64 counters). */
export const sumBigInt: CombineFn<bigint, bigint> = {
  create: () => 0n,
  add: (acc, v) => acc + v,
  merge: (a, b) => a + b,
  extract: (acc) => acc,
};
