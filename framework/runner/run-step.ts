import fs from 'node:fs';
import path from 'node:path';
import type { InputSplit } from '../input/types.ts';
import type { Segment } from '../shuffle/segment.ts';
import type { JobProgress } from './options.ts';
import type { JobTally } from './job-tally.ts';
import { LostMapOutputs } from './lost-maps.ts';
import { runPhase, type PhaseOptions, type PhaseTask } from './phase.ts';
import { StepProgress } from './progress.ts';
import type { ResumeStore } from './resume.ts';
import type { Speculation } from './speculation.ts';
import { mapTask, reduceTask, type StepPlan } from './task-plan.ts';
import type { TaskRunner } from './types.ts';
import type { AttemptRecord } from './attempt-record.ts';

/** What every step of a job runs with. */
export interface StepRun {
  readonly runner: TaskRunner;
  readonly maxAttempts: number;
  readonly log: (line: string) => void;
  readonly speculation: Speculation;
  readonly tally: JobTally;
  readonly startedAt: number;
  readonly onProgress?: (p: JobProgress) => void;
  readonly signal?: AbortSignal;
  readonly onAttempt?: (record: AttemptRecord) => void;
  /** --resume: the map outputs of the step reading the job's input are recorded, and reused when they still match. */
  readonly resume?: ResumeStore;
}

/**
 * One step of a job over its splits (`position`: among the steps that run, for progress): the map phase (maps whose output is lost re-run when a reduce
 * cannot fetch it), then the reduce phase; its committer's job commit is the caller's.
 */
export async function runStep(plan: StepPlan, splits: readonly InputSplit[], run: StepRun, position: { readonly index: number; readonly of: number }): Promise<void> {
  const { tally, log } = run;
  const s = plan.step;
  // The first step that reads the job's input (not a join's, nor one running joins: they read a side too).
  // A total-order step's points may differ between runs (its partition file may change): not reused.
  const resume = !plan.intermediateInput && !plan.join && !plan.chain && !plan.partitionPoints ? run.resume : undefined;
  const progress = new StepProgress({ jobId: plan.jobId, step: position.index, steps: position.of, startedAt: run.startedAt }, splits.length, plan.numReduces, run.onProgress);

  // Map phase.
  const mapOutputs: { file: string; segments: readonly Segment[] }[] = [];
  const splitTasks: PhaseTask[] = splits.map((split, i) =>
    mapTask(plan, i, split, async (result) => {
      mapOutputs[i] = resume ? await resume.record(i, split, result) : result.mapOutput!;
    }),
  );
  const phaseOpts = { runner: run.runner, maxAttempts: run.maxAttempts, jobModule: plan.jobModule, log, speculation: run.speculation, stats: tally.stats, ...(run.signal ? { signal: run.signal } : {}), ...(run.onAttempt ? { onAttempt: run.onAttempt } : {}) };
  const lostMaps = new LostMapOutputs(
    splitTasks,
    mapOutputs,
    (task) =>
      runPhase([task], {
        ...phaseOpts,
        onTaskProgress: () => {},
        onTaskDone: (_, r) => {
          tally.maps++;
          tally.done(task.taskId, r);
        },
      } satisfies PhaseOptions),
    log,
    run.runner.queuesAttempts ?? false,
  );
  const mapTasks = lostMaps.tasks;
  // --resume: maps whose recorded output still matches their input and code are not run again.
  const live: number[] = [];
  let reused = 0;
  for (const [i, split] of splits.entries()) {
    const recorded = resume && plan.numReduces > 0 ? await resume.reusable(i, split) : undefined;
    if (!recorded) {
      live.push(i);
      continue;
    }
    mapOutputs[i] = recorded.mapOutput;
    tally.done(mapTasks[i]!.taskId, recorded.result);
    progress.mapDone(i, true);
    reused++;
  }
  tally.reusedMaps += reused;
  if (resume) log(`resume: reused ${reused} of ${splits.length} map output(s); running ${live.length}`);
  await runPhase(live.map((i) => mapTasks[i]!), {
    ...phaseOpts,
    onTaskProgress: (k, f, b) => progress.mapProgress(live[k]!, f, b),
    onTaskDone: (k, r) => {
      tally.maps++;
      tally.done(mapTasks[live[k]!]!.taskId, r);
      progress.mapDone(live[k]!);
    },
  });
  tally.checkBadRecords();
  progress.mapsFinished();

  // Reduce phase.
  if (plan.numReduces > 0) {
    const reduceTasks: PhaseTask[] = Array.from({ length: plan.numReduces }, (_, r) => reduceTask(plan, r, () => mapOutputs.map((m) => m.segments[r]!), lostMaps.recover));
    await runPhase(reduceTasks, {
      ...phaseOpts,
      onTaskProgress: (i, f) => progress.reduceProgress(i, f),
      onTaskDone: (i, r) => {
        tally.reduces++;
        tally.done(reduceTasks[i]!.taskId, r);
        progress.reduceDone(i);
      },
    });
  }
  tally.checkBadRecords();
  fs.rmSync(path.join(plan.workDir, `step${s}`), { recursive: true, force: true });
}
