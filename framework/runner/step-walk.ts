/**
 * The order a job's steps run in, shared by every job-level runner (the driver's task runners, YARN):
 * optional joins left out, each join's strategy chosen (join-plan.ts), replicated joins chained into
 * the next step's mappers, total-order split points cut, and each step's output read by the next.
 * How a step itself runs is the runner's.
 */
import type { Job } from '../job/define.ts';
import { isFixedPartitioner, isTotalOrder } from '../job/partitioners.ts';
import type { InputFormat, InputSplit } from '../input/types.ts';
import { intermediateInput } from '../shuffle/intermediate.ts';
import type { ChainedJoin } from '../task/spec.ts';
import type { JobTally } from './job-tally.ts';
import { joinSkipped, planJoin, sidePaths, type JoinPlanContext, type JoinReport } from './join-plan.ts';
import type { RunOptions } from './options.ts';
import type { StepPlan } from './task-plan.ts';
import { planTotalOrder } from './total-order.ts';

/** One step as a runner runs it. */
export interface WalkStep {
  /** The job's step index. */
  readonly s: number;
  readonly splits: readonly InputSplit[];
  /** 0 for a map-only step. */
  readonly numReduces: number;
  /** The job's last step writes the job's output; earlier ones intermediate files. */
  readonly last: boolean;
  /** The step reads the intermediate files of the step before (not the job's input). */
  readonly intermediateInput: boolean;
  /** Its join (which side each map reads, a merge join's partners) and the replicated joins chained into its mappers. */
  readonly extra: Pick<StepPlan, 'join' | 'sides' | 'partners' | 'chain' | 'partitionPoints'>;
  /** Its place among the steps that run, for progress. */
  readonly index: number;
  readonly of: number;
}

export interface Walk {
  readonly job: Job;
  readonly jobId: string;
  readonly opts: Pick<RunOptions, 'input' | 'conf' | 'splitSize' | 'reducers' | 'sides'>;
  /** The job's local work dir (a join's cache files go in it). */
  readonly workDir: string;
  readonly firstSplits: readonly InputSplit[];
  readonly log: (line: string) => void;
  readonly tally: JobTally;
  /** Run one step; before the last step, the dir holding its intermediate files (the next step's input). */
  readonly runStep: (step: WalkStep) => Promise<string | undefined>;
}

/**
 * The paths of every join side the run reads, checked first: `--side` names a side of the job, and the
 * last step is not an optional join left out.
 */
export function sideInputsOf(job: Job, sides: Readonly<Record<string, readonly string[]>>): string[] {
  const names = job.steps.flatMap((st) => (st.join ? [st.join.with.name] : []));
  for (const name of Object.keys(sides)) if (!names.includes(name)) throw new Error(`--side ${name}: job ${job.name} has no join side ${name}${names.length ? ` (its sides: ${names.join(', ')})` : ''}`);
  const last = job.steps.at(-1)!;
  if (joinSkipped(last, sides)) throw new Error(`join with ${last.join!.with.name}: the job's last step joins an optional side that was not given (--side ${last.join!.with.name}=PATH)`);
  return job.steps.flatMap((st) => (st.join ? sidePaths(st.join, sides) : []));
}

/** Reducers of step `s`: --reducers, the step's own, its fixed partitioner's partitions, else 2; a mismatch is an error. */
export function stepReducers(step: Job['steps'][number], s: number, opts: Pick<RunOptions, 'reducers'>): number {
  const fixed = isFixedPartitioner(step.partitioner) && !step.join ? step.partitioner : undefined;
  const reducers = opts.reducers ?? step.reducers ?? fixed?.partitions ?? 2;
  if (fixed && step.reduce && reducers !== fixed.partitions) throw new Error(`step ${s}: its partitioner (${fixed.description}) has ${fixed.partitions} partition(s); the step would run ${reducers} reducer(s)${opts.reducers !== undefined ? ' (--reducers)' : ''}`);
  return reducers;
}

/** Run the job's steps in order; the joins' reports. */
export async function walkSteps(w: Walk): Promise<JoinReport[]> {
  const { job, jobId, log, tally } = w;
  const sides = w.opts.sides ?? {};
  const conf = w.opts.conf ?? {};
  const skipped = (st: Job['steps'][number]): boolean => joinSkipped(st, sides);
  const notRun = job.steps.filter(skipped).map((st) => st.join!.with.name);
  if (notRun.length) log(`${jobId}: joins skipped (optional sides not given): ${notRun.join(', ')}`);
  const joins: JoinReport[] = [];
  let splits: readonly InputSplit[] = w.firstSplits;
  // The output of the last step run (undefined while the steps still read the job's input).
  let previous: string | undefined;
  // Steps run so far, of how many (progress counts the steps that run: skipped or chained joins are not shown).
  let ran = 0;
  let total = job.steps.filter((st) => !skipped(st)).length;
  // Replicated joins waiting to run inside the next step's mappers.
  let chain: ChainedJoin[] = [];
  const run = async (s: number, stepSplits: readonly InputSplit[], numReduces: number, extra: WalkStep['extra']): Promise<void> => {
    const last = s === job.steps.length - 1;
    const order = job.steps[s]!.partitioner;
    if (isTotalOrder(order) && numReduces > 0 && !extra.join) {
      const format = previous !== undefined ? intermediateInput() : job.input;
      const cut = await planTotalOrder(order, job.steps[s]!, format as InputFormat<unknown, unknown>, stepSplits, { step: s, numReduces, jobId, conf });
      log(`${jobId}: step ${s} partitions in total order over ${numReduces} reducer(s): split points ${cut.source}`);
      extra = { ...extra, partitionPoints: cut.points };
    }
    const out = await w.runStep({ s, splits: stepSplits, numReduces, last, intermediateInput: previous !== undefined, extra: { ...extra, ...(chain.length ? { chain } : {}) }, index: ran++, of: total });
    chain = [];
    if (last) return;
    if (out === undefined) throw new Error(`step ${s}: the runner left no intermediate output for step ${s + 1}`);
    previous = out;
    splits = await intermediateInput().getSplits([out], {});
  };
  /** The replicated joins chained so far, run as a step of their own (the next join cannot follow them). */
  const flushChain = async (): Promise<void> => {
    const last = chain.pop();
    if (!last) return;
    total++;
    await run(last.step, splits, 0, { join: last.join });
  };
  for (let s = 0; s < job.steps.length; s++) {
    const step = job.steps[s]!;
    if (skipped(step)) continue;
    const reducers = stepReducers(step, s, w.opts);
    if (!step.join) {
      await run(s, splits, step.reduce ? reducers : 0, {});
      continue;
    }
    const context = (): JoinPlanContext => {
      const from = previous;
      const wholeFiles = (): Promise<InputSplit[]> => (from ? intermediateInput().getSplits([from], {}) : job.input.getSplits(w.opts.input, { splitSize: Number.MAX_SAFE_INTEGER, combine: false }));
      return { step: s, jobId, splits, sides, conf, reducers, workDir: w.workDir, wholeFiles, ...(w.opts.splitSize !== undefined ? { splitSize: w.opts.splitSize } : {}) };
    };
    // Only another replicated join can follow chained ones inside the same mappers.
    const join = await planJoin(step.join, context(), async (strategy) => {
      if (strategy !== 'replicated') await flushChain();
      return context();
    });
    log(`${jobId}: step ${s} joins with ${join.report.side} (${join.report.kind}): strategy ${join.report.strategy}, ${join.report.reason}`);
    joins.push(join.report);
    if (join.driverResult) tally.done(`side_${jobId}_${s}`, join.driverResult);
    // A replicated join with a step after it runs inside that step's mappers (no pass of its own).
    if (join.runtime.strategy === 'replicated' && job.steps.slice(s + 1).some((st) => !skipped(st))) {
      chain.push({ step: s, join: join.runtime });
      total--;
      continue;
    }
    await run(s, join.splits, join.numReduces, { join: join.runtime, sides: join.sides, ...(join.partners ? { partners: join.partners } : {}) });
  }
  return joins;
}
