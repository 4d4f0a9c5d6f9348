import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { InputSplit } from '../input/types.ts';
import type { AnyJoin, JoinKind, JoinStrategy } from '../job/join.ts';
import { decodeKey, encodeKey } from '../shuffle/codec.ts';
import { intermediateInput, intermediateOutput } from '../shuffle/intermediate.ts';
import { KeyFilterBuilder } from '../shuffle/key-filter.ts';
import { AttemptContext } from '../task/context.ts';
import { PARTITIONS_FILE, readPartitions } from './total-order.ts';
import { deterministic } from '../task/deterministic.ts';
import { joinGroup, keyOf } from '../task/join-map.ts';
import type { CacheFile, JoinRuntime, TaskResult } from '../task/spec.ts';

/** `--conf` keys of joins, with their defaults. */
export const JOIN_CONF = {
  /** Forces every join's strategy (auto, replicated, reduce, bloom). */
  strategy: 'bsctl.join.strategy',
  /** The most side input bytes a replicated join holds in memory, MiB (like Spark's broadcast threshold). */
  replicatedMb: 'bsctl.join.replicated.mb',
  /** A Bloom join's false-positive rate. */
  bloomFpr: 'bsctl.join.bloom.fpr',
} as const;
export const DEFAULT_REPLICATED_MB = 10;
export const DEFAULT_BLOOM_FPR = 0.01;
/** auto picks bloom when the side is at most this share of the job's input. */
const BLOOM_SHARE = 0.1;
const STRATEGIES: readonly JoinStrategy[] = ['auto', 'replicated', 'reduce', 'bloom', 'merge'];
const MiB = 1024 * 1024;

/** What the job report says of a join step. */
export interface JoinReport {
  readonly step: number;
  readonly side: string;
  readonly kind: JoinKind;
  readonly strategy: JoinRuntime['strategy'];
  readonly reason: string;
  readonly sideBytes: number;
  readonly jobBytes: number;
  readonly filter?: { readonly bits: number; readonly bytes: number; readonly keys: number; readonly buildMs: number };
}

/** How a join step runs: its map splits (and which side each reads), reducers and task runtime. */
export interface PlannedJoin {
  readonly runtime: JoinRuntime;
  readonly splits: readonly InputSplit[];
  readonly sides: readonly ('left' | 'right')[];
  /** 0 for a replicated (map-only) join. */
  readonly numReduces: number;
  readonly report: JoinReport;
  /** What reading the side in the driver counted (bad records, the filter's counters). */
  readonly driverResult?: TaskResult;
  /** A merge join: the side's partition file for each map task. */
  readonly partners?: readonly InputSplit[];
}

export interface JoinPlanContext {
  readonly step: number;
  readonly jobId: string;
  /** The job's records at this step (the left side). */
  readonly splits: readonly InputSplit[];
  readonly sides: Readonly<Record<string, readonly string[]>>;
  readonly conf: Readonly<Record<string, string>>;
  readonly splitSize?: number;
  readonly reducers: number;
  /** Where the driver writes cache files (the job's work dir). */
  readonly workDir: string;
  /** The job's records at this step as one split per file (a merge join pairs files). */
  readonly wholeFiles: () => Promise<InputSplit[]>;
}

const mib = (n: number): string => `${(n / MiB).toFixed(1)} MiB`;
const bytesOf = (splits: readonly InputSplit[]): number => splits.reduce((n, s) => n + s.length, 0);

function confNumber(conf: Readonly<Record<string, string>>, key: string, ok: (n: number) => boolean, what: string): number | undefined {
  const text = conf[key];
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!ok(n)) throw new Error(`--conf ${key}: must be ${what} (got "${text}")`);
  return n;
}

/** A join step that does not run: its side is optional and was not given (sidePaths is empty). */
export function joinSkipped(step: { readonly join?: AnyJoin }, sides: Readonly<Record<string, readonly string[]>>): boolean {
  return step.join !== undefined && sidePaths(step.join, sides).length === 0;
}

/** The side's paths: the run's `--side NAME=...`, else the side's own; none for an optional side left out. */
export function sidePaths(join: AnyJoin, sides: Readonly<Record<string, readonly string[]>>): readonly string[] {
  const paths = sides[join.with.name] ?? join.with.paths ?? [];
  if (!paths.length && !join.with.optional) throw new Error(`join with ${join.with.name}: no input for the side: give --side ${join.with.name}=PATH`);
  return paths;
}

/**
 * Choose the strategy (and say why), read the side where the strategy needs it, and lay out the tasks.
 * `settle`, once the strategy is chosen and before anything is read, may change the context (the
 * driver runs replicated joins chained so far as a step of their own when this join cannot follow them).
 */
export async function planJoin(join: AnyJoin, first: JoinPlanContext, settle?: (strategy: JoinRuntime['strategy']) => Promise<JoinPlanContext>): Promise<PlannedJoin> {
  let ctx = first;
  const name = join.with.name;
  const kind = join.kind ?? 'inner';
  const forced = ctx.conf[JOIN_CONF.strategy];
  if (forced !== undefined && !STRATEGIES.includes(forced as JoinStrategy)) throw new Error(`--conf ${JOIN_CONF.strategy}: one of ${STRATEGIES.join(', ')} (got "${forced}")`);
  const asked = (forced as JoinStrategy | undefined) ?? join.strategy ?? 'auto';
  const budget = Math.floor(join.replicatedBudgetBytes ?? (confNumber(ctx.conf, JOIN_CONF.replicatedMb, (n) => n >= 0, 'a number of MiB') ?? DEFAULT_REPLICATED_MB) * MiB);
  const fpr = confNumber(ctx.conf, JOIN_CONF.bloomFpr, (n) => n > 0 && n < 1, 'a rate in (0, 1)') ?? join.falsePositiveRate ?? DEFAULT_BLOOM_FPR;

  let right: InputSplit[];
  try {
    const whole = asked === 'merge' ? { splitSize: Number.MAX_SAFE_INTEGER, combine: false } : {};
    right = await join.with.input.getSplits(sidePaths(join, ctx.sides), { ...(ctx.splitSize !== undefined ? { splitSize: ctx.splitSize } : {}), ...whole });
  } catch (err) {
    throw new Error(`join with ${name}: ${(err as Error).message}`);
  }
  if (asked === 'merge') return planMerge(join, kind, right, settle ? await settle('merge') : ctx);
  const sideBytes = bytesOf(right);
  const jobBytes = bytesOf(ctx.splits);
  const filterable = kind === 'inner' || kind === 'semi';
  let strategy: JoinRuntime['strategy'];
  let reason: string;
  if (asked === 'replicated') {
    if (sideBytes > budget) throw deterministic(new Error(`join with ${name}: the replicated side is ${sideBytes} bytes (${mib(sideBytes)}), over its memory budget of ${budget} bytes (${mib(budget)}; --conf ${JOIN_CONF.replicatedMb}=N raises it, or use strategy reduce or bloom)`));
    [strategy, reason] = ['replicated', 'asked for'];
  } else if (asked === 'bloom' && !filterable) {
    [strategy, reason] = ['reduce', `bloom asked for, but a ${kind} join keeps records a filter would drop: reduce-side instead`];
  } else if (asked !== 'auto') {
    [strategy, reason] = [asked, 'asked for'];
  } else if (sideBytes <= budget) {
    [strategy, reason] = ['replicated', `side ${name} is ${mib(sideBytes)}, within the replicated budget of ${mib(budget)}`];
  } else if (filterable && sideBytes <= jobBytes * BLOOM_SHARE) {
    [strategy, reason] = ['bloom', `side ${name} is ${mib(sideBytes)}, over the replicated budget of ${mib(budget)} and under ${BLOOM_SHARE * 100}% of the job's ${mib(jobBytes)}`];
  } else {
    [strategy, reason] = ['reduce', `side ${name} is ${mib(sideBytes)}, over the replicated budget of ${mib(budget)}${filterable ? ` and over ${BLOOM_SHARE * 100}% of the job's ${mib(jobBytes)}` : ` (a ${kind} join: no Bloom filter)`}`];
  }
  if (settle) ctx = await settle(strategy);
  const report = { step: ctx.step, side: name, kind, strategy, reason, sideBytes, jobBytes };
  const cacheDir = path.join(ctx.workDir, 'cache');
  fs.mkdirSync(cacheDir, { recursive: true });

  if (strategy === 'replicated') {
    const { file, result } = await writeSideTable(join, right, path.join(cacheDir, `${name}.kv`), ctx);
    return { runtime: { strategy, buffered: 'right', cache: file }, splits: ctx.splits, sides: ctx.splits.map(() => 'left'), numReduces: 0, report, driverResult: result };
  }
  let runtime: JoinRuntime = { strategy, buffered: sideBytes <= jobBytes ? 'right' : 'left' };
  let filterReport: JoinReport['filter'];
  let driverResult: TaskResult | undefined;
  if (strategy === 'bloom') {
    const built = await buildFilter(join, right, path.join(cacheDir, name), fpr, ctx);
    runtime = { strategy, buffered: 'right', cache: built.file };
    filterReport = built.report;
    driverResult = { counters: { [joinGroup(name)]: { 'Bloom filter bits': built.report.bits, 'Bloom filter bytes': built.report.bytes, 'Bloom filter keys': built.report.keys, 'Bloom filter build ms': built.report.buildMs } }, maxRss: 0 };
  }
  // The buffered side's map tasks first: equal keys merge in map order, so its values lead each key.
  const left = ctx.splits.map((s) => ({ split: s, side: 'left' as const }));
  const rightTasks = right.map((s) => ({ split: s, side: 'right' as const }));
  const tasks = runtime.buffered === 'right' ? [...rightTasks, ...left] : [...left, ...rightTasks];
  return {
    runtime,
    splits: tasks.map((t) => t.split),
    sides: tasks.map((t) => t.side),
    numReduces: ctx.reducers,
    report: filterReport ? { ...report, filter: filterReport } : report,
    ...(driverResult ? { driverResult } : {}),
  };
}

const PART = /^part-[mr]-(\d+)/;

/** Partition files by partition number; refused unless each file is one split named part-[mr]-NNNNN. */
function partitions(splits: readonly InputSplit[], what: string, name: string): Map<number, InputSplit> {
  const byPart = new Map<number, InputSplit>();
  for (const s of splits) {
    const m = PART.exec(path.posix.basename(s.path));
    if (!m) throw deterministic(new Error(`merge join with ${name}: ${s.path} (${what}) is not a partition file (part-r-NNNNN) of a bsctl job: a merge join needs both inputs partitioned alike and sorted by the key`));
    const n = Number(m[1]);
    if (byPart.has(n)) throw deterministic(new Error(`merge join with ${name}: ${what} has two files of partition ${n} (${byPart.get(n)!.path}, ${s.path}), or a file read in several splits: a merge join reads one whole file per partition`));
    byPart.set(n, s);
  }
  return byPart;
}

/**
 * Both inputs of a merge join cut by the same key ranges: where either was written by a total-order
 * step (a `_partitions.json` beside its part files), the other must hold the same points.
 */
async function sameCut(name: string, left: readonly InputSplit[], right: readonly InputSplit[]): Promise<void> {
  const cutOf = async (splits: readonly InputSplit[]): Promise<{ dir: string; points: string } | undefined> => {
    const dirs = [...new Set(splits.map((s) => path.posix.dirname(s.path)))];
    const cuts = await Promise.all(dirs.map(async (dir) => ({ dir, rec: await readPartitions(dir) })));
    const first = cuts[0]!;
    for (const c of cuts) {
      if (JSON.stringify(c.rec?.points) !== JSON.stringify(first.rec?.points)) throw deterministic(new Error(`merge join with ${name}: ${first.dir} and ${c.dir} are cut by different key ranges (${PARTITIONS_FILE})`));
    }
    return first.rec ? { dir: first.dir, points: JSON.stringify(first.rec.points) } : undefined;
  };
  const [l, r] = await Promise.all([cutOf(left), cutOf(right)]);
  if (!l && !r) return;
  if (!l || !r || l.points !== r.points) {
    const what = (c: typeof l, who: string): string => (c ? `${who} (${c.dir}) is cut by the key ranges in its ${PARTITIONS_FILE}` : `${who} has no ${PARTITIONS_FILE}`);
    throw deterministic(new Error(`merge join with ${name}: ${what(l, "the job's input")}, ${what(r, `side ${name}`)}${l && r ? ', different ones' : ''}: partition p of one does not hold the keys of partition p of the other; cut both with totalOrderPartitioner({ partitionFile }) from the same points, or use strategy reduce`));
  }
}

/** A merge join: map task p joins partition p of the job's input with partition p of the side. */
async function planMerge(join: AnyJoin, kind: JoinKind, right: readonly InputSplit[], ctx: JoinPlanContext): Promise<PlannedJoin> {
  const name = join.with.name;
  const left = partitions(await ctx.wholeFiles(), "the job's input", name);
  const side = partitions(right, `side ${name}`, name);
  const same = left.size === side.size && [...left.keys()].every((p) => side.has(p));
  if (!same) {
    throw deterministic(new Error(`merge join with ${name}: the job's input has ${left.size} partition file(s), side ${name} ${side.size}, not the same partitions: a merge join needs both partitioned alike (the same partitioner and reducer count); use strategy reduce`));
  }
  await sameCut(name, [...left.values()], right);
  const parts = [...left.keys()].sort((a, b) => a - b);
  const splits = parts.map((p) => left.get(p)!);
  return {
    runtime: { strategy: 'merge', buffered: 'right' },
    splits,
    sides: splits.map(() => 'left'),
    partners: parts.map((p) => side.get(p)!),
    numReduces: 0,
    report: { step: ctx.step, side: name, kind, strategy: 'merge', reason: `asked for: ${parts.length} partition(s) on each side`, sideBytes: bytesOf(right), jobBytes: bytesOf(splits) },
  };
}

/** Read every record of the side in the driver: (encoded key, value), or a bad record when it has no key. */
async function scanSide(join: AnyJoin, splits: readonly InputSplit[], ctx: AttemptContext, visit: (key: Buffer, value: unknown) => void, between?: () => Promise<void>): Promise<void> {
  for (const split of splits) {
    const reader = join.with.input.createRecordReader(split);
    await reader.read((k, v) => {
      const key = keyOf(join.with.key, join.with.name, split, k, v, ctx);
      if (key !== undefined) visit(encodeKey(key), v);
    }, between);
  }
}

async function cacheFile(name: string, file: string): Promise<CacheFile> {
  const hash = createHash('sha256');
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  return { name, path: file, hash: hash.digest('hex').slice(0, 32), bytes: fs.statSync(file).size };
}

const duplicate = (join: AnyJoin, key: Buffer): Error => deterministic(new Error(`join with ${join.with.name}: key ${JSON.stringify(decodeShown(key))} appears more than once on side ${join.with.name}, declared unique`));

function decodeShown(key: Buffer): unknown {
  try {
    return decodeKey(key);
  } catch {
    return key.toString('hex');
  }
}

/** The side's (key, value) records as one cache file, for the replicated join's hash table. */
async function writeSideTable(join: AnyJoin, splits: readonly InputSplit[], file: string, plan: JoinPlanContext): Promise<{ file: CacheFile; result: TaskResult }> {
  const ctx = new AttemptContext(`side_${join.with.name}`, 0, plan.conf);
  const writer = intermediateOutput().createRecordWriter(file, { dir: path.dirname(file), taskIndex: 0, numTasks: 1, conf: plan.conf, jobId: plan.jobId });
  const seen = join.with.unique ? new Set<string>() : undefined;
  try {
    await scanSide(
      join,
      splits,
      ctx,
      (key, value) => {
        if (seen) {
          const k = key.toString('latin1');
          if (seen.has(k)) throw duplicate(join, key);
          seen.add(k);
        }
        writer.write(key, value);
      },
      () => writer.flush(),
    );
  } catch (err) {
    await writer.abort?.().catch(() => {});
    throw err;
  }
  await writer.close();
  return { file: await cacheFile(join.with.name, file), result: { counters: ctx.counters, badRecords: ctx.badRecords, maxRss: 0 } };
}

/** A Bloom filter of the side's keys, sized from their real number (a first pass writes them to a file). */
async function buildFilter(join: AnyJoin, splits: readonly InputSplit[], base: string, fpr: number, plan: JoinPlanContext): Promise<{ file: CacheFile; report: NonNullable<JoinReport['filter']> }> {
  const started = Date.now();
  // Bad records of the side are counted by its map tasks; this pass only needs the keys.
  const ctx = new AttemptContext(`side_${join.with.name}`, 0, plan.conf);
  const keysFile = `${base}.keys`;
  const writer = intermediateOutput().createRecordWriter(keysFile, { dir: path.dirname(keysFile), taskIndex: 0, numTasks: 1, conf: plan.conf, jobId: plan.jobId });
  let keys = 0;
  await scanSide(join, splits, ctx, (key) => {
    writer.write(key, null);
    keys++;
  }, () => writer.flush());
  await writer.close();
  const builder = new KeyFilterBuilder(keys, fpr);
  const size = fs.statSync(keysFile).size;
  await intermediateInput()
    .createRecordReader({ path: keysFile, start: 0, length: size, fileLength: size, hosts: [], fileIndex: 0 })
    .read((k) => builder.add(k as Buffer));
  fs.rmSync(keysFile, { force: true });
  const built = builder.finish();
  const file = `${base}.bloom`;
  fs.writeFileSync(file, built.bytes);
  return { file: await cacheFile(join.with.name, file), report: { bits: built.bits, bytes: built.bytes.length, keys, buildMs: Date.now() - started } };
}
