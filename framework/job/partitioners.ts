import { hiveHash, sipHash64, type HashInput } from './hashes.ts';
import type { Partitioner } from './types.ts';

/**
 * Hadoop's TotalOrderPartitioner, as a step's `partitioner`: before the step's maps run, the driver
 * takes split points that cut the map-output keys into `--reducers` ranges in key byte order, and each
 * key goes to the range holding it, so the reducers' part files, read in partition order, are one
 * sorted whole. The points are sampled (Hadoop's InputSampler.SplitSampler: the step's mapper over the
 * first records of up to `sample.splits` splits spread over the input — cheap, and biased where the
 * input's order follows the key), or read from `partitionFile`: an earlier output of a total-order step
 * (its `_partitions.json`), so that two jobs cut their keys alike and a merge join can pair their
 * partitions. The step's output holds the points it used (`_partitions.json`).
 */
export interface TotalOrder {
  readonly kind: 'bsctl.total-order';
  readonly sample: { readonly records: number; readonly splits: number };
  readonly partitionFile?: string;
}

export interface TotalOrderOptions {
  /** Map-output keys sampled in all (default 10,000) from at most `splits` splits (default 10). */
  readonly sample?: { readonly records?: number; readonly splits?: number };
  /** Use the points of this `_partitions.json` (or of the output dir holding one) instead of sampling. */
  readonly partitionFile?: string;
}

const whole = (n: number, what: string): number => {
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`totalOrderPartitioner: ${what} must be a whole number of at least 1 (got ${n})`);
  return n;
};

export function totalOrderPartitioner(options: TotalOrderOptions = {}): TotalOrder {
  return {
    kind: 'bsctl.total-order',
    sample: { records: whole(options.sample?.records ?? 10_000, 'sample.records'), splits: whole(options.sample?.splits ?? 10, 'sample.splits') },
    ...(options.partitionFile !== undefined ? { partitionFile: options.partitionFile } : {}),
  };
}

export function isTotalOrder(p: unknown): p is TotalOrder {
  return typeof p === 'object' && p !== null && (p as TotalOrder).kind === 'bsctl.total-order';
}

/** How a weighted partitioner turns a key into the integer ClickHouse's Distributed engine shards on. */
export type ShardingHash = 'hiveHash' | 'sipHash64';

export interface WeightedOptions<K> {
  /** One weight per shard (= per reducer), whole numbers ≥ 0 with a positive sum (ClickHouse's `<weight>`). */
  readonly weights: readonly number[];
  /**
   * The sharding expression's hash for string keys (`Distributed(cluster, db, table, hiveHash(sku_id))`).
   * Integer keys are used as they are; a string key without a hash is an error.
   */
  readonly hash?: ShardingHash;
  /** The part of the map-output key to shard on (default: the key itself). */
  readonly key?: (key: K) => number | bigint | HashInput;
}

/** A partitioner that fixes its number of partitions (the driver checks `--reducers` against it). */
export type FixedPartitioner<K> = Partitioner<K> & { readonly partitions: number; readonly description: string };

/**
 * ClickHouse's Distributed-table sharding as a Partitioner: slot = sharding value mod Σweight, and shard
 * i owns the slots [w₀+…+wᵢ₋₁, w₀+…+wᵢ) — weights 9 and 10: slots 0–8 go to shard 0, 9–18 to shard 1.
 * A reducer per shard writes what that shard's local table would hold.
 */
export function weightedPartitioner<K>(options: WeightedOptions<K>): FixedPartitioner<K> {
  const { weights } = options;
  if (weights.length === 0) throw new Error('weightedPartitioner: weights must name at least one shard');
  for (const w of weights) if (!Number.isSafeInteger(w) || w < 0) throw new Error(`weightedPartitioner: weights must be whole numbers ≥ 0 (got ${w})`);
  const total = weights.reduce((a, b) => a + b, 0);
  if (total === 0) throw new Error('weightedPartitioner: the weights sum to 0');
  // Shard of each slot: a table of Σweight entries (ClickHouse's slot_to_shard).
  const slotToShard = new Uint32Array(total);
  let slot = 0;
  weights.forEach((w, shard) => slotToShard.fill(shard, slot, (slot += w)));
  const bigTotal = BigInt(total);
  const hash = options.hash === 'sipHash64' ? sipHash64 : options.hash === 'hiveHash' ? hiveHash : undefined;
  const pick = options.key ?? ((k: K) => k as unknown as number | bigint | HashInput);
  const valueOf = (key: K): number | bigint => {
    const v = pick(key);
    if (typeof v === 'number' || typeof v === 'bigint') {
      if (typeof v === 'number' && !Number.isSafeInteger(v)) throw new Error(`weightedPartitioner: sharding key ${v} is not an integer`);
      if (v < 0) throw new Error(`weightedPartitioner: sharding key ${v} is negative (ClickHouse reads it as unsigned at the column's width); shard on a non-negative value`);
      return v;
    }
    if (!hash) throw new Error(`weightedPartitioner: sharding key ${JSON.stringify(typeof v === 'string' ? v : Buffer.from(v).toString('hex'))} is not an integer: give hash 'hiveHash' or 'sipHash64'`);
    return hash(v);
  };
  const fn = (key: K, numPartitions: number): number => {
    if (numPartitions !== weights.length) throw new Error(`weightedPartitioner: ${weights.length} shard(s) but the step has ${numPartitions} reducer(s)`);
    const v = valueOf(key);
    return slotToShard[typeof v === 'bigint' ? Number(v % bigTotal) : v % total]!;
  };
  return Object.assign(fn, { partitions: weights.length, description: `weighted ${weights.join(':')}${options.hash ? ` over ${options.hash}` : ''}` });
}

export function isFixedPartitioner(p: unknown): p is FixedPartitioner<unknown> {
  return typeof p === 'function' && typeof (p as Partial<FixedPartitioner<unknown>>).partitions === 'number';
}
