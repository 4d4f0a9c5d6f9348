import { joinPath } from '../fs/resolve.ts';
import { readSmallFile, writeSmallFile } from '../fs/small-file.ts';
import type { InputFormat, InputSplit } from '../input/types.ts';
import type { AnyStep } from '../job/define.ts';
import type { TotalOrder } from '../job/partitioners.ts';
import { deterministic } from '../task/deterministic.ts';
import { sampleMapKeys } from '../task/sample-keys.ts';

/** The split points a total-order step used, kept in its output dir (Hadoop's `_partition.lst`). */
export const PARTITIONS_FILE = '_partitions.json';

/** What `_partitions.json` holds. */
export interface PartitionsRecord {
  readonly format: 'bsctl.partitions/1';
  readonly partitioner: 'total-order';
  readonly reducers: number;
  /** reducers − 1 keys, base64 of their sortable encodings, ascending. */
  readonly points: readonly string[];
}

/**
 * Hadoop's InputSampler.writePartitionFile: `n − 1` keys at even steps through the sorted sample,
 * moving past repeats of the previous point where the sample allows (a key held by many samples
 * does not leave the partitions after it empty; fewer distinct keys than reducers still do).
 */
export function cutPoints(sample: readonly Buffer[], n: number): Buffer[] {
  if (n <= 1 || sample.length === 0) return n <= 1 ? [] : Array.from({ length: n - 1 }, () => Buffer.alloc(0));
  const sorted = [...sample].sort(Buffer.compare);
  const step = sorted.length / n;
  const points: Buffer[] = [];
  let last = -1;
  for (let i = 1; i < n; i++) {
    let k = Math.max(last + 1, Math.min(sorted.length - 1, Math.round(step * i)));
    if (k > sorted.length - 1) k = sorted.length - 1;
    while (last >= 0 && k < sorted.length - 1 && sorted[last]!.equals(sorted[k]!)) k++;
    points.push(sorted[k]!);
    last = k;
  }
  return points;
}

/** A `_partitions.json` (or the dir holding one): its record, or an error naming the file and what is wrong. */
export async function readPartitions(where: string): Promise<PartitionsRecord | undefined> {
  const file = where.endsWith(PARTITIONS_FILE) ? where : joinPath(where, PARTITIONS_FILE);
  const text = await readSmallFile(file, 64 * 1024 * 1024);
  if (text === undefined) return undefined;
  let rec: Partial<PartitionsRecord>;
  try {
    rec = JSON.parse(text) as Partial<PartitionsRecord>;
  } catch (err) {
    throw deterministic(new Error(`${file}: not JSON (${err instanceof Error ? err.message : String(err)})`));
  }
  const ok = rec.format === 'bsctl.partitions/1' && rec.partitioner === 'total-order' && Number.isSafeInteger(rec.reducers) && Array.isArray(rec.points) && rec.points.length === rec.reducers! - 1 && rec.points.every((p) => typeof p === 'string');
  if (!ok) throw deterministic(new Error(`${file}: not a bsctl partitions record (format bsctl.partitions/1 with reducers − 1 points)`));
  return rec as PartitionsRecord;
}

export interface TotalOrderPlan {
  readonly points: readonly string[];
  /** Where the points came from, for the log. */
  readonly source: string;
}

/** Hadoop's conf key for the partition file; it overrides the partitioner's own `partitionFile`. */
export const PARTITION_PATH_CONF = 'mapreduce.totalorderpartitioner.path';

/** The split points of a total-order step: from its partition file, or sampled from its splits. */
export async function planTotalOrder(
  spec: TotalOrder,
  step: AnyStep,
  format: InputFormat<unknown, unknown>,
  splits: readonly InputSplit[],
  ctx: { readonly step: number; readonly numReduces: number; readonly jobId: string; readonly conf: Readonly<Record<string, string>> },
): Promise<TotalOrderPlan> {
  const given = ctx.conf[PARTITION_PATH_CONF];
  const file = given ?? spec.partitionFile;
  if (file !== undefined) {
    const what = given !== undefined ? `--conf ${PARTITION_PATH_CONF}=${file}` : `totalOrderPartitioner partitionFile ${file}`;
    const rec = await readPartitions(file);
    if (!rec) throw deterministic(new Error(`step ${ctx.step}: ${what}: no ${PARTITIONS_FILE} there`));
    if (rec.reducers !== ctx.numReduces) throw deterministic(new Error(`step ${ctx.step}: ${what} cuts keys for ${rec.reducers} reducer(s); the step runs ${ctx.numReduces} (--reducers)`));
    return { points: rec.points, source: `read from ${file}` };
  }
  const sample = await sampleMapKeys(step, format, splits, { records: spec.sample.records, maxSplits: spec.sample.splits, attemptId: `sample_${ctx.jobId}_${ctx.step}`, conf: ctx.conf });
  const points = cutPoints(sample.keys, ctx.numReduces).map((b) => b.toString('base64'));
  return { points, source: `sampled: ${sample.keys.length} map-output key(s) from ${sample.splits} of ${splits.length} split(s)` };
}

/** Keep the points beside the step's part files (inside its staging, published with them). */
export async function writePartitions(dir: string, reducers: number, points: readonly string[]): Promise<void> {
  const rec: PartitionsRecord = { format: 'bsctl.partitions/1', partitioner: 'total-order', reducers, points };
  await writeSmallFile(joinPath(dir, PARTITIONS_FILE), `${JSON.stringify(rec)}\n`);
}
