/** The typed contracts a job author implements: Mapper, CombineFn, Reducer, Partitioner, TaskContext. */

/** A named, monotonically increasing number aggregated across all task attempts of a job. */
export interface Counter {
  increment(by?: number): void;
}

/** What a mapper, combiner or reducer may see of the task it runs in. */
export interface TaskContext {
  /** Counter in a group (default group: "user"), summed across tasks in the job's report. */
  counter(name: string, group?: string): Counter;
  /** The job's configuration (values given with `--conf key=value` or by the job). */
  readonly conf: Readonly<Record<string, string>>;
  /** Id of the running attempt, e.g. `attempt_<job>_m_000003_1`. */
  readonly attemptId: string;
  /** Index of this map or reduce task within its step (the partition number for reducers). */
  readonly taskIndex: number;
  /** Report liveness during long computations that emit nothing. */
  progress(): void;
  /**
   * Report a bad input record (skipped). Counted as "Bad records"; the first ones are listed in the job
   * report, and the job fails when there are more than the run's `maxBadRecords` (default 0).
   */
  badRecord(record: BadRecord): void;
}

/** A skipped input record: where it is and why. */
export interface BadRecord {
  readonly path: string;
  readonly offset: number;
  readonly reason: string;
  /** Position of the file among the inputs (orders the report). */
  readonly fileIndex?: number;
}

/**
 * What a mapper sees of its task: the TaskContext, and `write` (Hadoop's `Context.write`), which sends
 * one (key, value) pair straight to the map output, without a tuple or a generator step for it: the
 * cheaper way for mappers that emit many small pairs a record (word counting). Annotate the parameter
 * (`ctx: MapContext<string, number>`) to have the written pairs type-checked; the step's map-output
 * types are inferred from what a mapper returns (and from the combiner and reducer), not from `write`.
 */
export interface MapContext<KO = ShuffleKey, VO = unknown> extends TaskContext {
  write(key: KO, value: VO): void;
}

/**
 * A map function: one input record in, zero or more (key, value) pairs out, returned as an iterable
 * (generators welcome) or written with `ctx.write` (then return nothing). A generator may also write:
 * pairs go out in the order the mapper produces them.
 */
export type Mapper<KI, VI, KO, VO> = (key: KI, value: VI, ctx: MapContext) => Iterable<readonly [KO, VO]> | void;

/** A reduce function: one key and all its values (streamed in arrival order), zero or more pairs out. */
export type Reducer<K, V, KO, VO> = (key: K, values: Iterable<V>, ctx: TaskContext) => Iterable<readonly [KO, VO]>;

/**
 * A combiner in the CombineFn contract (create / add / merge / extract). The map side aggregates
 * every key's values into an accumulator held in a hash table within the sort budget (`create`, `add`);
 * a map that spills writes accumulators, and `merge` joins a key's accumulators from its spills;
 * `extract` turns the final accumulator into a map-output value, so reducers see the same value type
 * either way. Accumulators must survive serialisation (structured clone: plain objects, numbers,
 * strings, bigints, arrays, Maps...).
 */
export interface CombineFn<V, A> {
  create(): A;
  add(accumulator: A, value: V): A;
  merge(a: A, b: A): A;
  extract(accumulator: A): V;
}

/** Chooses the reduce partition of a map-output key. `keyBytes` is the key's sortable encoding. */
export type Partitioner<K> = (key: K, numPartitions: number, keyBytes: Uint8Array) => number;

/** Runs once per task attempt before the first record (`setup`) or after the last (`cleanup`). */
export type TaskHook = (ctx: TaskContext) => void | Promise<void>;

/** Key types the shuffle can encode in a defined byte order (see docs/architecture.md). */
export type ShuffleKey = string | number | boolean | null | Date | Buffer | readonly ShuffleKey[];
