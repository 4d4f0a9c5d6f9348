import type { InputFormat } from '../input/types.ts';
import type { OutputFormat } from '../output/types.ts';
import type { JobCli } from './cli.ts';
import type { CombineFn, Mapper, Partitioner, Reducer, ShuffleKey, TaskHook } from './types.ts';
import { checkSimpleName } from '../fs/names.ts';
import type { TotalOrder } from './partitioners.ts';
import type { AnyJoin, JoinKind, JoinSpec, JoinedRecord, MergeJoinSpec } from './join.ts';

/**
 * One MapReduce step. KI/VI come from the previous step (or the InputFormat), KM/VM are the map
 * output (the reducer's input), KO/VO the step's output. A mismatch between mapper output and
 * reducer input is a compile error because both positions must agree on KM/VM.
 */
export interface StepSpec<KI, VI, KM extends ShuffleKey, VM, KO, VO> {
  readonly name?: string;
  readonly map: Mapper<KI, VI, KM, VM>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly combine?: CombineFn<VM, any>;
  readonly reduce?: Reducer<KM, VM, KO, VO>;
  /**
   * Which reducer a map-output key goes to (default: a hash of the key's bytes); `totalOrderPartitioner()`
   * for key ranges in sorted order, `weightedPartitioner()` for ClickHouse-style weighted shards.
   */
  readonly partitioner?: Partitioner<KM> | TotalOrder;
  /** Number of reducers when the CLI does not say (`--reducers`). Default: 2 (a weighted partitioner's shards). */
  readonly reducers?: number;
  readonly setup?: TaskHook;
  readonly cleanup?: TaskHook;
  /** Set on a join step (made by `.join()`): the engine runs the join; `map` passes records through. */
  readonly join?: AnyJoin;
}

/** A step as the engine sees it once types are erased. */
export type AnyStep = StepSpec<unknown, unknown, ShuffleKey, unknown, unknown, unknown>;

export interface JobOptions<K, V> {
  /** Name shown by `bsctl jobs` and in logs. */
  readonly name: string;
  readonly description: string;
  /** How the job's input paths are read. */
  readonly input: InputFormat<K, V>;
  /** The job's own flags for `bsctl run <job>` (instead of --input/--output). */
  readonly cli?: JobCli;
}

/** A complete job: input format, one or more steps, output format. Export it as the module default. */
export interface Job<KI = unknown, VI = unknown, KO = unknown, VO = unknown> {
  readonly kind: 'bsctl.job';
  readonly name: string;
  readonly description: string;
  readonly input: InputFormat<KI, VI>;
  readonly steps: readonly AnyStep[];
  readonly output: OutputFormat<KO, VO>;
  readonly cli?: JobCli;
  /** Phantom fields carrying the types; never set at run time. */
  readonly __types?: [KI, VI, KO, VO];
}

/** Builder whose type parameters track the current record type through the steps. */
export interface JobBuilder<KI, VI, K, V> {
  step<KM extends ShuffleKey, VM, KO = KM, VO = VM>(spec: StepSpec<K, V, KM, VM, KO, VO>): JobBuilder<KI, VI, KO, VO>;
  /**
   * Join the records flowing through the job with another input (see JoinSpec): the next step (or the
   * output) receives the joined records, typed by the join's kind. Both key extractors must return the
   * same key type.
   */
  join<KS, VS, J extends ShuffleKey, VO, Kind extends 'inner' | 'left' = 'inner'>(spec: MergeJoinSpec<K, V, KS, VS, J, Kind, VO>): JobBuilder<KI, VI, K, VO>;
  join<KS, VS, J extends ShuffleKey, Kind extends JoinKind = 'inner'>(
    spec: JoinSpec<K, V, KS, VS, J, Kind>,
  ): JobBuilder<KI, VI, JoinedRecord<Kind, K, V, J, VS>[0], JoinedRecord<Kind, K, V, J, VS>[1]>;
  output(format: OutputFormat<K, V>): Job<KI, VI, K, V>;
}

function* passThrough(key: unknown, value: unknown): Iterable<readonly [ShuffleKey, unknown]> {
  yield [key as ShuffleKey, value];
}

function builder<KI, VI, K, V>(options: JobOptions<KI, VI>, steps: readonly AnyStep[]): JobBuilder<KI, VI, K, V> {
  return {
    step(spec) {
      return builder(options, [...steps, spec as unknown as AnyStep]);
    },
    join(given: object) {
      const spec = given as AnyJoin;
      if (spec.merge && spec.kind !== undefined && spec.kind !== 'inner' && spec.kind !== 'left') throw new Error(`job ${options.name}: join with ${spec.with.name}: merge is for inner and left joins`);
      checkSimpleName(spec.with.name, `job ${options.name}: join({ with: { name } })`);
      if (spec.falsePositiveRate !== undefined && !(spec.falsePositiveRate > 0 && spec.falsePositiveRate < 1)) throw new Error(`job ${options.name}: join with ${spec.with.name}: falsePositiveRate must be in (0, 1)`);
      const step: AnyStep = { name: spec.name ?? `join-${spec.with.name}`, map: passThrough, join: spec };
      // The overloads above give the joined record's type; the builder itself is untyped here.
      return builder(options, [...steps, step]) as never;
    },
    output(format) {
      if (steps.length === 0) throw new Error(`job ${options.name}: define at least one step before output()`);
      return {
        kind: 'bsctl.job',
        name: options.name,
        description: options.description,
        input: options.input,
        steps,
        output: format as OutputFormat<unknown, unknown> as OutputFormat<K, V>,
        ...(options.cli ? { cli: options.cli } : {}),
      };
    },
  };
}

/**
 * Declare a job: `defineJob({ name, description, input }).step({ map, combine, reduce }).output(fmt)`.
 * Where and how it runs (inline, local workers, SSH hosts) is chosen at run time.
 */
export function defineJob<KI, VI>(options: JobOptions<KI, VI>): JobBuilder<KI, VI, KI, VI> {
  checkSimpleName(options.name, 'defineJob({ name })');
  return builder<KI, VI, KI, VI>(options, []);
}

export function isJob(value: unknown): value is Job {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'bsctl.job';
}
