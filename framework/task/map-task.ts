import { joinPath } from '../fs/resolve.ts';
import { InputError, type InputSplit } from '../input/types.ts';
import type { Job } from '../job/define.ts';
import type { Mapper, Partitioner, ShuffleKey } from '../job/types.ts';
import { intermediateInput, intermediateOutput } from '../shuffle/intermediate.ts';
import type { RecordWriter } from '../output/types.ts';
import { createCollector } from '../shuffle/collector.ts';
import { hashPartitioner, rangePartitioner } from '../shuffle/partitioner.ts';
import { isTotalOrder } from '../job/partitioners.ts';
import { sortFactorOf } from '../shuffle/sort-factor.ts';
import { FILESYSTEM, FRAMEWORK, MapAttemptContext } from './context.ts';
import { joinMapper } from './join-map.ts';
import { mergeJoinReader } from './merge-join.ts';
import { partFileName, type MapTaskSpec, type TaskResult } from './spec.ts';

export type ProgressFn = (fraction: number, bytes: number) => void;

/** Run one map attempt: read the split, map, then collect (partition/sort/spill) or write directly. */
export async function runMapTask(job: Job, spec: MapTaskSpec, progress: ProgressFn): Promise<Omit<TaskResult, 'maxRss'>> {
  const step = job.steps[spec.step];
  if (!step) throw new Error(`job ${job.name} has no step ${spec.step}`);
  const ctx = new MapAttemptContext(spec.attemptId, spec.taskIndex, spec.conf);
  const join = step.join;
  const side = spec.joinSide ?? 'left';
  const format = join && side === 'right' ? join.with.input : spec.intermediateInput ? intermediateInput() : job.input;
  if (join && !spec.join) throw new Error(`job ${job.name} step ${spec.step} is a join: its tasks need the driver's join plan`);
  const merging = join && spec.join!.strategy === 'merge';
  // A merge join reads the side's partition beside this split's; its reader gives the joined records.
  const reader = merging ? mergeJoinReader(join, format.createRecordReader(spec.split), spec.split, join.with.input.createRecordReader(spec.joinPartner!), spec.joinPartner!, ctx) : format.createRecordReader(spec.split);
  const own = merging ? step.map : join ? await joinMapper(join, spec.join!, side, spec.split, ctx) : step.map;
  const chained = await Promise.all((spec.chain ?? []).map((c) => joinMapper(job.steps[c.step]!.join!, c.join, 'left', spec.split, ctx)));
  const map = chained.length ? chainMappers([...chained, own as Mapper<unknown, unknown, ShuffleKey, unknown>]) : own;
  let records = 0;
  // A merge join's records are joined pairs, not the format's: their keys are no offsets.
  const offsetKeys = !merging && format.offsetKeys === true;

  const collector =
    spec.numReduces > 0
      ? createCollector({
          numPartitions: spec.numReduces,
          partitioner: partitionerOf(step, spec),
          budgetBytes: spec.sortBytes,
          dir: spec.spillDir,
          ...(spec.spillPrefix ? { prefix: spec.spillPrefix } : {}),
          ...(spec.outputLog ? { outputLog: true } : {}),
          sortFactor: sortFactorOf(spec.conf),
          progress: () => ctx.progress(),
          ...(step.combine && !join ? { combiner: step.combine } : {}),
        })
      : undefined;
  let writer: RecordWriter<unknown, unknown> | undefined;
  let outputRecords = 0;
  if (!collector) {
    const out = spec.output!;
    const fmt = out.kind === 'final' ? job.output : intermediateOutput();
    writer = fmt.createRecordWriter(joinPath(out.dir, partFileName('map', spec.taskIndex, fmt.extension)), {
      dir: out.dir,
      taskIndex: spec.taskIndex,
      numTasks: out.numTasks,
      conf: spec.conf,
      jobId: spec.jobId,
    });
  }

  // Where a pair goes, written (ctx.write) or returned: the collector, or the map-only output.
  const emit = collector
    ? (k: unknown, v: unknown): void => collector.collect(k as ShuffleKey, v)
    : (k: unknown, v: unknown): void => {
        writer!.write(k, v);
        outputRecords++;
      };
  ctx.write = emit;

  // split.length is every byte the reader reads (over all the files of a combined split).
  const fraction = (): number => (spec.split.length ? Math.min(1, reader.bytesRead / spec.split.length) : 1);
  ctx.heartbeat = () => progress(fraction(), reader.bytesRead);
  await step.setup?.(ctx);
  let lastReport = Date.now();
  await reader.read(
    (key, value) => {
      records++;
      try {
        const out = map(key, value, ctx);
        if (out) for (const [k, v] of out) emit(k, v);
      } catch (err) {
        throw whileMapping(err, spec.split, offsetKeys ? key : undefined, reader.bytesRead);
      }
    },
    async () => {
      if (writer) await writer.flush();
      const now = Date.now();
      if (now - lastReport > 500) {
        lastReport = now;
        progress(fraction(), reader.bytesRead);
      }
    },
  );
  await step.cleanup?.(ctx);

  ctx.add(FRAMEWORK, 'Map input records', records);
  ctx.add(FILESYSTEM, 'Bytes read', reader.bytesRead);
  let mapOutput: TaskResult['mapOutput'];
  if (collector) {
    mapOutput = collector.close();
    const c = collector.counters;
    ctx.add(FRAMEWORK, 'Map output records', c.mapOutputRecords);
    ctx.add(FRAMEWORK, 'Map output bytes', c.mapOutputBytes);
    if (step.combine) {
      ctx.add(FRAMEWORK, 'Combine input records', c.combineInputRecords);
      ctx.add(FRAMEWORK, 'Combine output records', c.combineOutputRecords);
    }
    ctx.add(FRAMEWORK, 'Spilled Records', c.spilledRecords);
  } else {
    await writer!.close();
    ctx.add(FRAMEWORK, 'Map output records', outputRecords);
    ctx.add(FILESYSTEM, 'Bytes written', writer!.bytesWritten);
  }
  progress(1, reader.bytesRead);
  return { ...(mapOutput ? { mapOutput } : {}), counters: ctx.counters, badRecords: ctx.badRecords };
}

/**
 * An error the job's map threw, told where it happened: the record's byte offset when its key is one
 * (the input format says so: text, ha3, tsv, jsonl), else how far into the split the reader was. Errors that
 * already name their file and offset (bad input) are left as they are.
 */
function whileMapping(err: unknown, split: InputSplit, key: unknown, bytesRead: number): unknown {
  if (!(err instanceof Error) || err instanceof InputError || err.name === 'DiskFullError') return err;
  const file = split.combined ? `the combined split starting at ${split.path}` : split.path;
  err.message += typeof key === 'number' && !split.combined ? ` (while mapping the record at byte ${key} of ${file})` : ` (while mapping a record about ${bytesRead} bytes into ${file} from byte ${split.start})`;
  return err;
}

/** The step's partitioner: a total-order one cuts at the driver's points; a join step's is the hash. */
function partitionerOf(step: Job['steps'][number], spec: MapTaskSpec): Partitioner<ShuffleKey> {
  const p = step.partitioner;
  if (step.join || !p) return hashPartitioner;
  if (!isTotalOrder(p)) return p as Partitioner<ShuffleKey>;
  if (!spec.partitionPoints) throw new Error(`step ${spec.step} partitions in total order but its task has no split points from the driver`);
  return rangePartitioner(spec.partitionPoints.map((b) => Buffer.from(b, 'base64')));
}

/** Mappers run one after another on each record (Hadoop's ChainMapper). */
function chainMappers(mappers: readonly Mapper<unknown, unknown, ShuffleKey, unknown>[]): Mapper<unknown, unknown, ShuffleKey, unknown> {
  function* from(i: number, k: unknown, v: unknown, ctx: Parameters<Mapper<unknown, unknown, ShuffleKey, unknown>>[2]): Generator<readonly [ShuffleKey, unknown]> {
    // Only the last (the step's own) may write to ctx: the join mappers before it return their pairs.
    const out = mappers[i]!(k, v, ctx);
    if (!out) return;
    if (i === mappers.length - 1) yield* out;
    else for (const [k2, v2] of out) yield* from(i + 1, k2, v2, ctx);
  }
  return (k, v, ctx) => from(0, k, v, ctx);
}
