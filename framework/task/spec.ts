import type { BadRecord } from '../job/types.ts';
import type { InputSplit } from '../input/types.ts';
import type { Segment } from '../shuffle/segment.ts';

/** Counter values by group, then name. */
export type CounterMap = Record<string, Record<string, number>>;

/** Where a task writes: the job's OutputFormat (last step) or intermediate files (earlier steps). */
export interface OutputTarget {
  readonly kind: 'final' | 'intermediate';
  /** Attempt directory the task writes its part file into. */
  readonly dir: string;
  /** Output tasks in the step. */
  readonly numTasks: number;
}

/**
 * A file of the job's distributed cache (Hadoop's DistributedCache): made by the driver, named by its
 * content hash, shipped once per job to each machine that runs a task needing it; `path` is where it
 * is on the machine running the attempt (runners rewrite it).
 */
export interface CacheFile {
  readonly name: string;
  readonly path: string;
  readonly hash: string;
  readonly bytes: number;
}

/** How a join step runs in this attempt (made by the driver's join plan). */
export interface JoinRuntime {
  readonly strategy: 'replicated' | 'reduce' | 'bloom' | 'merge';
  /** Which side's records reach a reduce first within a key (held in memory per key); the other streams. */
  readonly buffered: 'left' | 'right';
  /** Replicated: the side's hash table; bloom: the filter of the side's keys. */
  readonly cache?: CacheFile;
}

/** A replicated join step run inside a later step's mapper. */
export interface ChainedJoin {
  readonly step: number;
  readonly join: JoinRuntime;
}

interface TaskSpecBase {
  readonly jobId: string;
  /** Absolute path of the job module and its export holding the Job. */
  readonly jobModule: string;
  readonly jobExport: string;
  readonly step: number;
  readonly taskIndex: number;
  readonly attempt: number;
  readonly attemptId: string;
  readonly conf: Readonly<Record<string, string>>;
  /** Set on the tasks of a join step. */
  readonly join?: JoinRuntime;
}

export interface MapTaskSpec extends TaskSpecBase {
  readonly type: 'map';
  readonly split: InputSplit;
  /** true when the split is an intermediate file of the previous step. */
  readonly intermediateInput: boolean;
  /** A join step's map reads the job's records (`left`, the default) or the join's other input (`right`). */
  readonly joinSide?: 'left' | 'right';
  /** A merge join's map task: the side's partition file joined with this split's. */
  readonly joinPartner?: InputSplit;
  /**
   * Replicated joins of earlier steps run inside this map (Hadoop's ChainMapper): each record goes
   * through their map-side joins, in order, then this step's mapper; their steps do not run.
   */
  readonly chain?: readonly ChainedJoin[];
  /** Reduce partitions; 0 for a map-only step. */
  readonly numReduces: number;
  /** A total-order step: the driver's split points (base64 of the keys' sortable encodings), numReduces − 1 of them. */
  readonly partitionPoints?: readonly string[];
  readonly sortBytes: number;
  /** Local dir for spills and the final map output file, shared by the step's attempts. */
  readonly spillDir: string;
  /** This attempt's files in spillDir start with this (its attempt id and a dot). */
  readonly spillPrefix?: string;
  /** A small map output may go to the worker's output log in spillDir (see CollectorOptions.outputLog). */
  readonly outputLog?: boolean;
  /** For map-only steps. */
  readonly output?: OutputTarget;
}

export interface ReduceTaskSpec extends TaskSpecBase {
  readonly type: 'reduce';
  /** This partition's segment of every map output, in map task order. */
  readonly segments: readonly Segment[];
  readonly output: OutputTarget;
}

export type TaskSpec = MapTaskSpec | ReduceTaskSpec;

export interface TaskResult {
  /** Map output file and its per-partition segments (steps with reducers). */
  readonly mapOutput?: { readonly file: string; readonly segments: readonly Segment[]; readonly shared?: boolean };
  readonly counters: CounterMap;
  /** First bad records the attempt reported (all are counted in counters). */
  readonly badRecords?: readonly BadRecord[];
  /** Peak resident set size of the process that ran the attempt, bytes. */
  readonly maxRss: number;
}

/** Events a task attempt reports (JSON lines `{"bsctl":...}` from a worker process). */
export type TaskEvent =
  | { readonly bsctl: 'hello'; readonly attemptId: ''; readonly pid: number }
  | { readonly bsctl: 'progress'; readonly attemptId: string; readonly fraction: number; readonly bytes: number }
  /** What remains of the attempt is uploading its output: its CPU may go to another attempt. */
  | { readonly bsctl: 'uploading'; readonly attemptId: string }
  | { readonly bsctl: 'done'; readonly attemptId: string; readonly result: TaskResult }
  | {
      readonly bsctl: 'failed';
      readonly attemptId: string;
      /** `deterministic`: the task says another attempt would fail the same way (see task/deterministic.ts). */
      readonly error: { readonly name: string; readonly message: string; readonly stack?: string; readonly deterministic?: boolean };
    };

/** What a running attempt tells its runner besides progress. */
export interface TaskHooks {
  /** Only the upload of the attempt's output is left (see OutputTask.uploading). */
  readonly uploading?: () => void;
}

export function partFileName(type: 'map' | 'reduce', index: number, extension: string): string {
  return `part-${type === 'map' ? 'm' : 'r'}-${String(index).padStart(5, '0')}${extension}`;
}
