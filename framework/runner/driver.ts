import type { BadRecord } from '../job/types.ts';
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Job } from '../job/define.ts';
import type { InputFormat, InputSplit } from '../input/types.ts';
import { isFixedPartitioner, isTotalOrder } from '../job/partitioners.ts';
import { planTotalOrder, writePartitions } from './total-order.ts';
import { intermediateInput } from '../shuffle/intermediate.ts';
import { FileOutputCommitter } from '../output/committer.ts';
import { checkOutputSafety } from '../output/output-guard.ts';
import { OWNER_FILE, sweepStaleOutputs, sweepStaleWorkDirs } from '../output/stale.ts';
import { currentOwner } from '../fs/owner.ts';
import { defaultWorkRoot } from '../fs/work-root.ts';
import { isLocal, splitPath } from '../fs/resolve.ts';
import { diskFullError, isDiskFull } from '../task/disk-full.ts';
import { loadJob } from '../task/load-job.ts';
import type { CounterMap } from '../task/spec.ts';
import type { RunOptions } from './options.ts';
import { JobTally } from './job-tally.ts';
import { joinSkipped, planJoin, sidePaths, type JoinPlanContext, type JoinReport } from './join-plan.ts';
import { runStep, type StepRun } from './run-step.ts';
import type { StepPlan } from './task-plan.ts';
import type { ChainedJoin } from '../task/spec.ts';
import { ResumeStore } from './resume.ts';
import { taskRunnerByName } from './task-runners.ts';
import { resolveSpeculation } from './speculation.ts';
import type { TaskRunner } from './types.ts';

export interface JobReport {
  readonly jobId: string;
  readonly jobName: string;
  readonly output: string;
  readonly counters: CounterMap;
  readonly elapsedMs: number;
  /** Map tasks run to completion, counting maps re-run because their output was lost. */
  readonly maps: number;
  /** Map outputs reused from an earlier run (--resume) instead of run again. */
  readonly reusedMaps: number;
  readonly reduces: number;
  /** Speculative attempts launched for stragglers. */
  readonly speculativeAttempts: number;
  /** Attempts killed (losers of speculative pairs, preempted ones); they are not failures. */
  readonly killedAttempts: number;
  /** Largest peak RSS among the task processes, and of the driver process, bytes. */
  readonly maxTaskRss: number;
  readonly driverRss: number;
  /** Bad records counted, and the first ones (file, byte offset, reason). */
  readonly badRecordCount: number;
  readonly badRecords: readonly BadRecord[];
  /** Each join step: the strategy chosen and why, the sizes it was chosen on, the filter built. */
  readonly joins: readonly JoinReport[];
}

export { defaultWorkRoot } from '../fs/work-root.ts';

export function newJobId(): string {
  const t = new Date().toISOString().replace(/[-:T]/g, '').slice(0, 12);
  return `job_${t}_${randomBytes(4).toString('hex')}`;
}

/** `--conf bsctl.input.combine=false`: one split per file (or byte range), small files not combined. */
export const COMBINE_CONF = 'bsctl.input.combine';

/** The job's TaskRunner: the one handed in, or one of this layer's by name (default local). */
function makeRunner(opts: RunOptions): Promise<TaskRunner> {
  const r = opts.runner ?? 'local';
  if (typeof r !== 'string') return Promise.resolve(r);
  return taskRunnerByName(r, { ...(opts.workers !== undefined ? { workers: opts.workers } : {}), ...(opts.taskTimeoutMs !== undefined ? { taskTimeoutMs: opts.taskTimeoutMs } : {}) });
}

/** Hadoop's hint for the number of maps (MR1 `mapred.map.tasks`), and the smallest split it may make. */
export const MAPS_CONF = 'mapreduce.job.maps';
export const MIN_SPLIT_CONF = 'mapreduce.input.fileinputformat.split.minsize';

/** A whole number of at least 1 from the conf, or undefined; anything else is an error naming the key. */
function confCount(conf: Readonly<Record<string, string>> | undefined, key: string): number | undefined {
  const raw = conf?.[key];
  if (raw === undefined) return undefined;
  const n = Number(raw.trim());
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(n) || n < 1) throw new Error(`--conf ${key}: must be a whole number of at least 1 (got "${raw}")`);
  return n;
}

/** The first step's splits; empty input fails here, before any task runs. */
export async function splitInput(job: Job, opts: RunOptions): Promise<InputSplit[]> {
  const combine = opts.conf?.[COMBINE_CONF];
  if (combine !== undefined && combine !== 'true' && combine !== 'false') throw new Error(`--conf ${COMBINE_CONF}: must be true or false (got "${combine}")`);
  const numSplits = confCount(opts.conf, MAPS_CONF);
  const minSplitSize = confCount(opts.conf, MIN_SPLIT_CONF);
  const splits = await job.input.getSplits(opts.input, {
    ...(opts.splitSize !== undefined ? { splitSize: opts.splitSize } : {}),
    ...(combine === 'false' ? { combine: false } : {}),
    ...(numSplits !== undefined ? { numSplits } : {}),
    ...(minSplitSize !== undefined ? { minSplitSize } : {}),
  });
  if (splits.length === 0) throw new Error(`input is empty: ${opts.input.join(', ')} hold no data`);
  return splits;
}

/** The map-side sort budget in bytes: --sort-mb (default 100, at most 2047 MiB). */
export function sortBytesOf(opts: Pick<RunOptions, 'sortMb'>): number {
  return Math.min(2047, Math.max(1, opts.sortMb ?? 100)) * 1024 * 1024;
}

/** The report of a finished job from its tally (any job-level runner's). */
export function jobReport(tally: JobTally, job: { readonly jobId: string; readonly jobName: string; readonly output: string; readonly started: number; readonly joins: readonly JoinReport[] }): JobReport {
  const bad = tally.badRecords();
  return {
    jobId: job.jobId,
    jobName: job.jobName,
    output: job.output,
    counters: tally.counters(),
    elapsedMs: Date.now() - job.started,
    maps: tally.maps,
    reusedMaps: tally.reusedMaps,
    reduces: tally.reduces,
    speculativeAttempts: tally.stats.speculativeAttempts,
    killedAttempts: tally.stats.killedAttempts,
    maxTaskRss: tally.maxTaskRss,
    driverRss: process.resourceUsage().maxRSS * 1024,
    badRecordCount: bad.count,
    badRecords: bad.listed,
    joins: job.joins,
  };
}

/** Reducers of step `s`: --reducers, the step's own, its fixed partitioner's partitions, else 2; a mismatch is an error. */
export function stepReducers(step: Job['steps'][number], s: number, opts: Pick<RunOptions, 'reducers'>): number {
  const fixed = isFixedPartitioner(step.partitioner) && !step.join ? step.partitioner : undefined;
  const reducers = opts.reducers ?? step.reducers ?? fixed?.partitions ?? 2;
  if (fixed && step.reduce && reducers !== fixed.partitions) throw new Error(`step ${s}: its partitioner (${fixed.description}) has ${fixed.partitions} partition(s); the step would run ${reducers} reducer(s)${opts.reducers !== undefined ? ' (--reducers)' : ''}`);
  return reducers;
}

/** Run a job to completion: split → map → shuffle → reduce → commit, for every step. */
export async function runJob(opts: RunOptions): Promise<JobReport> {
  const started = Date.now();
  const log = opts.log ?? (() => {});
  const jobExport = opts.jobExport ?? 'default';
  const job: Job = await loadJob(opts.jobModule, jobExport);
  const jobId = opts.jobId ?? newJobId();
  const maxAttempts = opts.maxAttempts ?? 4;
  const sortBytes = sortBytesOf(opts);
  // Before anything runs: the output must not be (or hold, or sit in) an input, and an existing one
  // is replaced only when it is provably a previous bsctl output.
  const sides = opts.sides ?? {};
  const sideNames = job.steps.flatMap((st) => (st.join ? [st.join.with.name] : []));
  for (const name of Object.keys(sides)) if (!sideNames.includes(name)) throw new Error(`--side ${name}: job ${job.name} has no join side ${name}${sideNames.length ? ` (its sides: ${sideNames.join(', ')})` : ''}`);
  const sideInputs = job.steps.flatMap((st) => (st.join ? sidePaths(st.join, sides) : []));
  const skipped = (st: (typeof job.steps)[number]): boolean => joinSkipped(st, sides);
  if (skipped(job.steps.at(-1)!)) throw new Error(`join with ${job.steps.at(-1)!.join!.with.name}: the job's last step joins an optional side that was not given (--side ${job.steps.at(-1)!.join!.with.name}=PATH)`);
  await checkOutputSafety({ output: opts.output, inputs: [...opts.input, ...sideInputs], overwrite: opts.overwrite ?? false, forceOverwrite: opts.forceOverwrite ?? false });
  const committer = new FileOutputCommitter(opts.output, jobId, opts.overwrite ?? false, opts.forceOverwrite ?? false);
  const workRoot = opts.workRoot ?? defaultWorkRoot();
  // What killed runs left behind (their staging beside this output, their work dirs) goes first.
  await sweepStaleOutputs(splitPath(committer.outputDir).parent, log);
  await sweepStaleWorkDirs(workRoot, log);

  const firstSplits = await splitInput(job, opts);

  const workDir = path.join(workRoot, jobId);
  const runner = await makeRunner(opts);
  const speculation = resolveSpeculation(opts.speculation, runner.name);
  const tally = new JobTally(opts.maxBadRecords ?? 0);
  const joins: JoinReport[] = [];
  let resume: ResumeStore | undefined;
  try {
    // The owner record first: `bsctl gc` and later runs remove the dir only once this process is gone.
    fs.mkdirSync(workDir, { recursive: true });
    fs.writeFileSync(path.join(workDir, OWNER_FILE), `${JSON.stringify(currentOwner(jobId))}\n`);
    opts.signal?.throwIfAborted();
    await runner.start?.({ id: jobId, name: job.name });
    log(`${jobId}: ${job.name}, ${job.steps.length} step(s), ${firstSplits.length} split(s), runner ${runner.name} (${runner.slots} slot(s))`);
    await committer.setupJob();
    if (opts.resume) {
      if (runner.name === 'cluster') throw new Error('--resume: works with the inline and local runners (map outputs on SSH hosts are not recorded)');
      resume = await ResumeStore.open(workRoot, { jobModule: opts.jobModule, jobExport, input: [...opts.input, ...sideInputs], conf: opts.conf ?? {}, reducers: opts.reducers ?? -1, splitSize: opts.splitSize, sortMb: opts.sortMb ?? 100 }, log);
    }
    const stepRun: StepRun = { runner, maxAttempts, log, speculation, tally, startedAt: started, ...(opts.onProgress ? { onProgress: opts.onProgress } : {}), ...(opts.signal ? { signal: opts.signal } : {}), ...(resume ? { resume } : {}), ...(opts.onAttempt ? { onAttempt: opts.onAttempt } : {}) };
    const notRun = job.steps.filter(skipped).map((st) => st.join!.with.name);
    if (notRun.length) log(`${jobId}: joins skipped (optional sides not given): ${notRun.join(', ')}`);
    let splits: InputSplit[] = firstSplits;
    // The output of the last step run (undefined while the steps still read the job's input).
    let previous: string | undefined;
    // Steps run so far, of how many (progress counts the steps that run: skipped or chained joins are not shown).
    let ran = 0;
    let total = job.steps.filter((st) => !skipped(st)).length;
    // Replicated joins waiting to run inside the next step's mappers.
    let chain: ChainedJoin[] = [];
    /** Run step `s` over `stepSplits` (its output: the job's, or intermediate files for the next step). */
    const run = async (s: number, stepSplits: readonly InputSplit[], numReduces: number, extra: Partial<StepPlan>): Promise<void> => {
      const last = s === job.steps.length - 1;
      const stepCommitter = last ? committer : new FileOutputCommitter(path.join(workDir, `step${s}-out`), jobId);
      if (!last) await stepCommitter.setupJob();
      const order = job.steps[s]!.partitioner;
      if (isTotalOrder(order) && numReduces > 0 && !extra.join) {
        const format = previous !== undefined ? intermediateInput() : job.input;
        const cut = await planTotalOrder(order, job.steps[s]!, format as InputFormat<unknown, unknown>, stepSplits, { step: s, numReduces, jobId, conf: opts.conf ?? {} });
        log(`${jobId}: step ${s} partitions in total order over ${numReduces} reducer(s): split points ${cut.source}`);
        await writePartitions(stepCommitter.staging, numReduces, cut.points);
        extra = { ...extra, partitionPoints: cut.points };
      }
      const plan: StepPlan = { jobId, jobModule: opts.jobModule, jobExport, step: s, conf: opts.conf ?? {}, numReduces, numMaps: stepSplits.length, intermediateInput: previous !== undefined, last, committer: stepCommitter, workDir, sortBytes, ...extra, ...(chain.length ? { chain } : {}) };
      chain = [];
      await runStep(plan, stepSplits, stepRun, { index: ran++, of: total });
      opts.signal?.throwIfAborted();
      if (last) return;
      await stepCommitter.commitJob();
      previous = path.join(workDir, `step${s}-out`);
      splits = await intermediateInput().getSplits([previous], {});
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
      const reducers = stepReducers(step, s, opts);
      if (!step.join) {
        await run(s, splits, step.reduce ? reducers : 0, {});
        continue;
      }
      const context = (): JoinPlanContext => {
        const from = previous;
        const wholeFiles = (): Promise<InputSplit[]> => (from ? intermediateInput().getSplits([from], {}) : job.input.getSplits(opts.input, { splitSize: Number.MAX_SAFE_INTEGER, combine: false }));
        return { step: s, jobId, splits, sides, conf: opts.conf ?? {}, reducers, workDir, wholeFiles, ...(opts.splitSize !== undefined ? { splitSize: opts.splitSize } : {}) };
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
    await committer.commitJob();
    log(`${jobId}: committed ${opts.output}`);
    await resume?.finish().catch((e: unknown) => log(`could not remove the resume records ${resume!.dir}: ${e instanceof Error ? e.message : String(e)}`));
    resume = undefined;
  } catch (err) {
    await resume?.close().catch(() => {});
    await committer.abortJob().catch((e: unknown) => log(`could not remove the staging directory ${committer.staging}: ${e instanceof Error ? e.message : String(e)}`));
    // A disk that filled under the driver itself (its work dir, the staging): name it and its role.
    throw isDiskFull(err) ? diskFullError(err, [{ role: 'local', dir: workDir }, ...(isLocal(opts.output) ? [{ role: 'output' as const, dir: committer.staging }] : [])]) : err;
  } finally {
    await runner.close();
    fs.rmSync(workDir, { recursive: true, force: true });
  }
  return jobReport(tally, { jobId, jobName: job.name, output: opts.output, started, joins });
}
