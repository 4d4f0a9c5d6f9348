import type { RecordReader } from './types.ts';

/**
 * A RecordReader's records pulled one at a time (for a consumer that reads two inputs in step, like a
 * merge join): the reader runs until the end of a chunk, then waits at its chunk hook until the
 * consumer has taken that chunk's records, so at most about one chunk is held.
 */
export async function* pullRecords<K, V>(reader: RecordReader<K, V>): AsyncGenerator<readonly [K, V]> {
  let chunk: [K, V][] = [];
  let ended = false;
  let failure: { error: unknown } | undefined;
  let wake: (() => void) | undefined;
  let resume: (() => void) | undefined;
  const signal = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const reading = reader
    .read(
      (k, v) => void chunk.push([k, v]),
      () =>
        new Promise<void>((r) => {
          resume = r;
          signal();
        }),
    )
    .then(
      () => {
        ended = true;
        signal();
      },
      (error: unknown) => {
        failure = { error };
        ended = true;
        signal();
      },
    );
  try {
    for (;;) {
      if (chunk.length) {
        const taken = chunk;
        chunk = [];
        yield* taken;
        continue;
      }
      if (failure) throw failure.error;
      if (ended) return;
      const waiting = new Promise<void>((r) => (wake = r));
      const r = resume;
      resume = undefined;
      r?.();
      await waiting;
    }
  } finally {
    // Stopped early (a failed join): let the reader run to its end so its file is closed.
    while (!ended) {
      const r = resume;
      resume = undefined;
      chunk = [];
      if (r) r();
      else await Promise.race([reading, new Promise<void>((res) => (wake = res))]);
    }
  }
}
