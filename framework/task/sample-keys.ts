import type { InputFormat, InputSplit } from '../input/types.ts';
import type { AnyStep } from '../job/define.ts';
import type { ShuffleKey } from '../job/types.ts';
import { encodeKey } from '../shuffle/codec.ts';
import { MapAttemptContext } from './context.ts';

/** Thrown into a reader to stop it once a split has given its share of keys. */
class Enough extends Error {}

export interface KeySample {
  /** The keys' sortable encodings, in the order they were mapped. */
  readonly keys: Buffer[];
  /** Splits read (from the start) to take them. */
  readonly splits: number;
}

/**
 * Hadoop's InputSampler.SplitSampler, over map-output keys: the step's mapper (setup and cleanup
 * included) runs on the first records of up to `maxSplits` splits spread evenly over the list, until
 * each has given `records / splits` keys. Counters and bad records of the sample are dropped: the
 * step's real maps count them.
 */
export async function sampleMapKeys(step: AnyStep, format: InputFormat<unknown, unknown>, splits: readonly InputSplit[], opts: { readonly records: number; readonly maxSplits: number; readonly attemptId: string; readonly conf: Readonly<Record<string, string>> }): Promise<KeySample> {
  const n = Math.min(opts.maxSplits, splits.length);
  const perSplit = Math.ceil(opts.records / Math.max(1, n));
  const keys: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    const split = splits[Math.floor((i * splits.length) / n)]!;
    const ctx = new MapAttemptContext(opts.attemptId, i, opts.conf);
    let taken = 0;
    const take = (k: unknown): void => {
      if (taken >= perSplit) throw new Enough();
      keys.push(encodeKey(k as ShuffleKey));
      taken++;
    };
    ctx.write = take;
    try {
      await step.setup?.(ctx);
      await format.createRecordReader(split).read((key, value) => {
        const out = step.map(key, value, ctx);
        if (out) for (const [k] of out) take(k);
      });
      await step.cleanup?.(ctx);
    } catch (err) {
      if (!(err instanceof Enough)) throw err;
    }
  }
  return { keys, splits: n };
}
