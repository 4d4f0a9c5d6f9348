/**
 * `fn` over `items` with at most `width` calls in flight, results yielded in input order. Planning
 * calls the FileSystem once or twice per input file (150 000 files are 150 000 stat or WebHDFS
 * calls): one at a time is slow, all at once holds a promise per file.
 */
export async function* inWindows<T, R>(items: readonly T[], width: number, fn: (item: T, index: number) => Promise<R>): AsyncGenerator<R> {
  for (let i = 0; i < items.length; i += width) {
    const window: Promise<R>[] = [];
    for (let k = i; k < Math.min(items.length, i + width); k++) window.push(fn(items[k]!, k));
    // Every call of the window is awaited (an early rejection leaves none unhandled).
    const results = await Promise.allSettled(window);
    for (const r of results) {
      if (r.status === 'rejected') throw r.reason;
      yield r.value;
    }
  }
}

/** Calls the FileSystem makes at once while planning. */
export const PLANNING_WIDTH = 32;
