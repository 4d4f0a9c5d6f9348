/** Hadoop's merge factor key: at most this many segments (files) are open in one merge. */
export const SORT_FACTOR_KEY = 'mapreduce.task.io.sort.factor';

/**
 * Default merge factor. Hadoop's is 10; bsctl's map outputs are one file per map (no per-host
 * batching), so 100 keeps jobs of up to 100 maps (and maps of up to 100 spills) single-pass while
 * still bounding a task's open files far below the usual `ulimit -n` of 1024.
 */
export const DEFAULT_SORT_FACTOR = 100;

/** The merge factor of a job conf; a value that is not a whole number of at least 2 is an error naming the key. */
export function sortFactorOf(conf: Readonly<Record<string, string>>): number {
  const raw = conf[SORT_FACTOR_KEY];
  if (raw === undefined) return DEFAULT_SORT_FACTOR;
  const text = raw.trim();
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < 2) {
    throw new Error(`${SORT_FACTOR_KEY}: must be a whole number of at least 2 (segments merged at once), got "${raw}"`);
  }
  return n;
}
