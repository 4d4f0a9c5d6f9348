import fs from 'node:fs';
import path from 'node:path';
import type { InputSplit } from '../input/types.ts';
import type { FileOutputCommitter } from '../output/committer.ts';
import type { Segment } from '../shuffle/segment.ts';
import type { ChainedJoin, JoinRuntime, MapTaskSpec, ReduceTaskSpec, TaskResult } from '../task/spec.ts';
import type { PhaseTask } from './phase.ts';

const pad = (n: number): string => String(n).padStart(6, '0');

/** What every task of one step shares: ids, job code, where outputs and scratch go. */
export interface StepPlan {
  readonly jobId: string;
  readonly jobModule: string;
  readonly jobExport: string;
  readonly step: number;
  readonly conf: Readonly<Record<string, string>>;
  /** 0 for a map-only step. */
  readonly numReduces: number;
  readonly numMaps: number;
  /** The step reads intermediate files of an earlier step (not the job's input). */
  readonly intermediateInput: boolean;
  /** The job's last step writes the job's output; earlier ones intermediate files. */
  readonly last: boolean;
  readonly committer: FileOutputCommitter;
  /** The job's local work dir (map scratch: `<workDir>/step<s>/<attempt>`). */
  readonly workDir: string;
  readonly sortBytes: number;
  /** A join step's runtime, and which side each map task reads (see join-plan.ts). */
  readonly join?: JoinRuntime;
  readonly sides?: readonly ('left' | 'right')[];
  /** A merge join: the side's split paired with each map task's. */
  readonly partners?: readonly InputSplit[];
  /** Replicated joins of earlier steps that run inside this step's mappers. */
  readonly chain?: readonly ChainedJoin[];
  /** A total-order step's split points (see total-order.ts). */
  readonly partitionPoints?: readonly string[];
}

/** Hadoop-style ids: task_<job>_<step>_m_000003, attempt_<job>_<step>_m_000003_<n>. */
const taskId = (p: StepPlan, kind: 'm' | 'r', i: number): string => `task_${p.jobId}_${p.step}_${kind}_${pad(i)}`;
const attemptId = (p: StepPlan, kind: 'm' | 'r', i: number, attempt: number): string => `attempt_${p.jobId}_${p.step}_${kind}_${pad(i)}_${attempt}`;

const base = (p: StepPlan) => ({ jobId: p.jobId, jobModule: p.jobModule, jobExport: p.jobExport, step: p.step, conf: p.conf, ...(p.join ? { join: p.join } : {}) });
const outputOf = (p: StepPlan, attempt: string, numTasks: number) => ({ kind: p.last ? ('final' as const) : ('intermediate' as const), dir: p.committer.attemptDir(attempt), numTasks });

/**
 * Map task i of a step over `split`. A map-only step commits through the step's committer; otherwise
 * `onOutput` takes the finished map's output (to hand to the reduces).
 */
export function mapTask(p: StepPlan, i: number, split: InputSplit, onOutput: (result: TaskResult) => Promise<void>): PhaseTask {
  return {
    taskId: taskId(p, 'm', i),
    spec: (attempt): MapTaskSpec => {
      const id = attemptId(p, 'm', i, attempt);
      const side = p.sides?.[i];
      return {
        ...base(p),
        type: 'map',
        taskIndex: i,
        attempt,
        attemptId: id,
        split,
        intermediateInput: p.intermediateInput && side !== 'right',
        ...(side ? { joinSide: side } : {}),
        ...(p.partners?.[i] ? { joinPartner: p.partners[i] } : {}),
        ...(p.chain?.length ? { chain: p.chain } : {}),
        numReduces: p.numReduces,
        ...(p.partitionPoints ? { partitionPoints: p.partitionPoints } : {}),
        sortBytes: p.sortBytes,
        spillDir: path.join(p.workDir, `step${p.step}`, 'map'),
        spillPrefix: `${id}.`,
        outputLog: true,
        ...(p.numReduces === 0 ? { output: outputOf(p, id, p.numMaps) } : {}),
      };
    },
    commit: async (spec, result) => {
      if (p.numReduces === 0) await p.committer.commitTask(spec.attemptId);
      else await onOutput(result);
    },
    discard: async (spec) => {
      if (p.numReduces === 0) await p.committer.abortTask(spec.attemptId);
      if (spec.type === 'map') removeAttemptFiles(spec.spillDir, spec.spillPrefix ?? '');
    },
  };
}

/** A discarded map attempt's spills and output: its own files in the shared dir (bsctl named them all). */
function removeAttemptFiles(dir: string, prefix: string): void {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return; // the attempt made none
  }
  for (const n of names) if (prefix && n.startsWith(prefix)) fs.rmSync(path.join(dir, n), { recursive: true, force: true });
}

/** Reduce task r of a step: partition r of every map's output (`segments` is read when an attempt starts). */
export function reduceTask(p: StepPlan, r: number, segments: () => readonly Segment[], recover: NonNullable<PhaseTask['recover']>): PhaseTask {
  return {
    taskId: taskId(p, 'r', r),
    spec: (attempt): ReduceTaskSpec => {
      const id = attemptId(p, 'r', r, attempt);
      return { ...base(p), type: 'reduce', taskIndex: r, attempt, attemptId: id, segments: segments(), output: outputOf(p, id, p.numReduces) };
    },
    commit: (spec) => p.committer.commitTask(spec.attemptId),
    discard: (spec) => p.committer.abortTask(spec.attemptId),
    recover,
  };
}
