import type { Segment } from '../shuffle/segment.ts';
import type { TaskSpec } from '../task/spec.ts';
import type { PhaseTask } from './phase.ts';
import { ShuffleFetchFailure } from './types.ts';

/**
 * Hadoop's answer to a reducer that cannot fetch map outputs (ShuffleFetchFailure): the lost maps
 * run again with new attempt numbers, each loss once however many reducers report it, then the
 * reduce retries, its next spec reading the new outputs; the failed reduce attempt does not count.
 */
export class LostMapOutputs {
  /** The map tasks, numbering their attempts through this class. */
  readonly tasks: readonly PhaseTask[];
  /** Next unused attempt number of each map task. */
  private readonly nextAttempt: number[];
  /**
   * Re-runs started, by the lost map output (one per loss). Keyed by the output, not its file: small
   * outputs of several maps share a worker's output log, and a re-run may append to that same log.
   */
  private readonly rerunning = new Map<object, Promise<void>>();

  constructor(
    maps: readonly PhaseTask[],
    /** The committed output of each map (updated by the maps' commit). */
    private readonly outputs: readonly ({ readonly segments: readonly Segment[] } | undefined)[],
    /** Runs one map task to completion (commit included); rejects when it fails for good. */
    private readonly runMap: (task: PhaseTask) => Promise<void>,
    private readonly log: (line: string) => void,
    /** Re-run a reducer's lost maps at once (a runner that queues attempts), else one by one in its slot. */
    private readonly parallel: boolean,
  ) {
    this.nextAttempt = maps.map(() => 0);
    this.tasks = maps.map((task, i) => ({
      ...task,
      spec: (attempt: number) => {
        this.nextAttempt[i] = Math.max(this.nextAttempt[i]!, attempt + 1);
        return task.spec(attempt);
      },
    }));
  }

  /** PhaseTask.recover of the reduce tasks. */
  readonly recover = async (err: unknown, spec: TaskSpec): Promise<boolean> => {
    if (!(err instanceof ShuffleFetchFailure) || spec.type !== 'reduce') return false;
    const lost = [...new Set(err.mapIndexes)];
    if (lost.length === 0 || lost.some((m) => !this.tasks[m] || !spec.segments[m])) return false;
    const rerun = (m: number): Promise<void> => this.rerun(m, spec.taskIndex, spec.segments[m]!, err.message);
    if (this.parallel) await Promise.all(lost.map(rerun));
    else for (const m of lost) await rerun(m);
    return true;
  };

  private rerun(m: number, partition: number, lost: Segment, why: string): Promise<void> {
    const output = this.outputs[m];
    const current = output?.segments[partition];
    // Re-run already since this reduce attempt began: its retry reads the new output.
    if (!output || current?.file !== lost.file || current.offset !== lost.offset) return Promise.resolve();
    const started = this.rerunning.get(output);
    if (started) return started;
    const task = this.tasks[m]!;
    this.log(`lost map output of ${task.taskId} (fetch failed: ${why.split('\n')[0]}); re-running the map`);
    const first = this.nextAttempt[m]!;
    const p = this.runMap({ ...task, spec: (attempt) => task.spec(first + attempt) });
    this.rerunning.set(output, p);
    return p;
  }
}
