import fs from 'node:fs';
import path from 'node:path';
import { joinPath } from '../fs/resolve.ts';
import type { Job } from '../job/define.ts';
import { intermediateOutput } from '../shuffle/intermediate.ts';
import { decodeKey, decodeValue } from '../shuffle/codec.ts';
import { MultiPassMerger } from '../shuffle/multi-pass-merge.ts';
import { sortFactorOf } from '../shuffle/sort-factor.ts';
import { AttemptContext, FILESYSTEM, FRAMEWORK } from './context.ts';
import { joinReducer } from './join-reduce.ts';
import type { ProgressFn } from './map-task.ts';
import { partFileName, type ReduceTaskSpec, type TaskHooks, type TaskResult } from './spec.ts';
import { defaultWorkRoot } from '../fs/work-root.ts';

/**
 * Run one reduce attempt: merge this partition's segments from every map, group equal keys and
 * stream each group's values to the reducer (values may be iterated once, as in Hadoop).
 */
export async function runReduceTask(job: Job, spec: ReduceTaskSpec, progress: ProgressFn, hooks: TaskHooks = {}): Promise<Omit<TaskResult, 'maxRss'>> {
  const step = job.steps[spec.step];
  if (!step?.reduce && !step?.join) throw new Error(`job ${job.name} step ${spec.step} has no reducer`);
  if (step.join && !spec.join) throw new Error(`job ${job.name} step ${spec.step} is a join: its tasks need the driver's join plan`);
  const ctx = new AttemptContext(spec.attemptId, spec.taskIndex, spec.conf);
  const reduce = step.join ? joinReducer(step.join, spec.join!, ctx) : step.reduce!;
  const fmt = spec.output.kind === 'final' ? job.output : intermediateOutput();
  const writer = fmt.createRecordWriter(joinPath(spec.output.dir, partFileName('reduce', spec.taskIndex, fmt.extension)), {
    dir: spec.output.dir,
    taskIndex: spec.taskIndex,
    numTasks: spec.output.numTasks,
    conf: spec.conf,
    jobId: spec.jobId,
    ...(hooks.uploading ? { uploading: hooks.uploading } : {}),
  });
  const total = spec.segments.reduce((n, s) => n + s.records, 0);
  let groups = 0;
  let inputRecords = 0;
  let outputRecords = 0;
  let lastReport = Date.now();

  ctx.heartbeat = () => progress(total ? inputRecords / total : 1, 0);
  const scratch = reduceScratchDir(spec);
  let merger: MultiPassMerger | undefined;
  try {
    // Inside the try: a merge that fails part way (a bad segment, EMFILE) still aborts the writer.
    const m = new MultiPassMerger(spec.segments, { factor: sortFactorOf(spec.conf), dir: scratch, progress: () => ctx.progress() });
    merger = m;
    if (m.spilledRecords > 0) ctx.add(FRAMEWORK, 'Spilled Records', m.spilledRecords);
    await step.setup?.(ctx);
    let has = m.next();
    while (has) {
      const keyBytes = Buffer.from(m.key);
      const key = decodeKey(keyBytes);
      const values = {
        *[Symbol.iterator]() {
          while (has && m.key.equals(keyBytes)) {
            inputRecords++;
            const v = decodeValue(m.value);
            has = m.next();
            yield v;
          }
        },
      };
      for (const [k, v] of reduce(key, values, ctx)) {
        writer.write(k, v);
        outputRecords++;
      }
      while (has && m.key.equals(keyBytes)) {
        inputRecords++;
        has = m.next();
      }
      groups++;
      if ((groups & 1023) === 0) {
        await writer.flush();
        const now = Date.now();
        if (now - lastReport > 500) {
          lastReport = now;
          progress(total ? inputRecords / total : 1, 0);
        }
      }
    }
    await step.cleanup?.(ctx);
  } catch (err) {
    await writer.abort?.().catch(() => {});
    throw err;
  } finally {
    merger?.close();
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  await writer.close();
  ctx.add(FRAMEWORK, 'Reduce input groups', groups);
  ctx.add(FRAMEWORK, 'Reduce input records', inputRecords);
  ctx.add(FRAMEWORK, 'Reduce output records', outputRecords);
  ctx.add(FILESYSTEM, 'Bytes written', writer.bytesWritten);
  progress(1, 0);
  return { counters: ctx.counters, badRecords: ctx.badRecords };
}

/**
 * The attempt's local scratch dir for intermediate merge files (as the index output's, under the job's
 * work dir of the default work root): created only when a merge needs more than one pass, removed when
 * the attempt ends, whether it succeeded or not.
 */
function reduceScratchDir(spec: ReduceTaskSpec): string {
  return path.join(defaultWorkRoot(), spec.jobId, `${spec.attemptId}.merge`);
}
