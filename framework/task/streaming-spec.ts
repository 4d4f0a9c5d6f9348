import { joinPath } from '../fs/resolve.ts';
import type { InputSplit } from '../input/types.ts';
import type { CacheFile, ChainedJoin, JoinRuntime, TaskResult } from './spec.ts';

/**
 * What every task of a step run by Hadoop Streaming shares (shipped as `bsctl-step.json` through the
 * distributed cache); each map's own part, its split, is its line of the step's task list.
 */
export interface StreamingStep {
  readonly jobId: string;
  readonly jobModule: string;
  readonly jobExport: string;
  readonly step: number;
  readonly conf: Readonly<Record<string, string>>;
  /** Reduce partitions; 0 for a map-only step. */
  readonly numReduces: number;
  readonly sortBytes: number;
  readonly intermediateInput: boolean;
  /** The step's output: the job's OutputFormat (last step) or intermediate files, and its tasks. */
  readonly output: { readonly kind: 'final' | 'intermediate'; readonly numTasks: number };
  readonly partitionPoints?: readonly string[];
  /** HDFS dir where a failing attempt records what happened, one JSON file per attempt. */
  readonly failures: string;
  /** A join step's runtime, and the replicated joins chained into its mappers (cache files: see cacheLink). */
  readonly join?: JoinRuntime;
  readonly chain?: readonly ChainedJoin[];
}

/** A map task's line of the task list (NLineInputFormat gives each map one line). */
export interface StreamingMapLine {
  readonly taskIndex: number;
  readonly split: InputSplit;
  /** A join step's map reads the job's records (`left`, the default) or the side's (`right`). */
  readonly side?: 'left' | 'right';
  /** A merge join: the side's partition paired with this map's. */
  readonly partner?: InputSplit;
}

/** What a finished attempt leaves in its work output dir: Hadoop's committer keeps only the committed attempt's. */
export interface StreamingResult extends TaskResult {
  readonly type: 'map' | 'reduce';
  readonly taskIndex: number;
  readonly attemptId: string;
  readonly host: string;
}

/** What a failed attempt records in the step's failures dir. */
export interface StreamingFailure {
  readonly type: 'map' | 'reduce';
  readonly taskIndex: number;
  readonly attemptId: string;
  readonly host: string;
  readonly error: { readonly name: string; readonly message: string; readonly stack?: string; readonly deterministic: boolean };
  /** The end of what the attempt wrote to stderr (the job's own console output included). */
  readonly stderrTail: string;
}

/** Result files start with this: they are not part of the output and are not published. */
export const RESULT_PREFIX = '_bsctl_task_';

export function resultFile(workDir: string, type: 'map' | 'reduce', taskIndex: number): string {
  return joinPath(workDir, `${RESULT_PREFIX}${type === 'map' ? 'm' : 'r'}_${String(taskIndex).padStart(5, '0')}.json`);
}

/** Names in the distributed cache (the container's working dir). */
export const STEP_FILE = 'bsctl-step.json';
export const TASK_BUNDLE = 'bsctl-task.mjs';
export const NODE_MODULES_ARCHIVE = 'node_modules';

/** A join's cache file (side table, Bloom filter) in the container's working dir, named by its content. */
export const cacheLink = (file: CacheFile): string => `bsctl-cache-${file.hash}`;
