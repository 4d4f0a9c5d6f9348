import type { BadRecord } from '../job/types.ts';
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Job } from '../job/define.ts';
import type { InputSplit } from '../input/types.ts';
import { writePartitions } from './total-order.ts';
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
import type { JoinReport } from './join-plan.ts';
import { sideInputsOf, walkSteps, type WalkStep } from './step-walk.ts';
import { runStep, type StepRun } from './run-step.ts';
import type { StepPlan } from './task-plan.ts';
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
  const sideInputs = sideInputsOf(job, opts.sides ?? {});
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
  let joins: JoinReport[] = [];
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
    /** One step through the task runner; before the last step, the dir of its committed intermediate files. */
    const runOne = async (w: WalkStep): Promise<string | undefined> => {
      const stepOut = path.join(workDir, `step${w.s}-out`);
      const stepCommitter = w.last ? committer : new FileOutputCommitter(stepOut, jobId);
      if (!w.last) await stepCommitter.setupJob();
      if (w.extra.partitionPoints) await writePartitions(stepCommitter.staging, w.numReduces, w.extra.partitionPoints);
      const plan: StepPlan = { jobId, jobModule: opts.jobModule, jobExport, step: w.s, conf: opts.conf ?? {}, numReduces: w.numReduces, numMaps: w.splits.length, intermediateInput: w.intermediateInput, last: w.last, committer: stepCommitter, workDir, sortBytes, ...w.extra };
      await runStep(plan, w.splits, stepRun, { index: w.index, of: w.of });
      opts.signal?.throwIfAborted();
      if (w.last) return undefined;
      await stepCommitter.commitJob();
      return stepOut;
    };
    joins = await walkSteps({ job, jobId, opts, workDir, firstSplits, log, tally, runStep: runOne });
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
