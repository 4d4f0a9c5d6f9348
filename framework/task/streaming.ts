/**
 * A task of a step that Hadoop Streaming runs on YARN: `node bsctl-task.mjs map|reduce` in a container.
 * It runs the same map and reduce code as every other runner, with Hadoop's sort and shuffle between:
 * - map: stdin is the map's line of the task list (its split); the map task runs as anywhere else into a
 *   local dir, then its output's records go to stdout as Streaming lines (shuffle/streaming-lines.ts);
 *   a map-only step writes its part file into the attempt's work output dir instead.
 * - reduce: stdin is its partition's lines, sorted by Hadoop; they become one local segment (checked:
 *   every line carries this partition's tag, keys in order), and the reduce task writes its output into
 *   the attempt's work output dir, which Hadoop's FileOutputCommitter promotes if the attempt commits.
 * Either leaves its counters, bad records and peak RSS beside its output (`_bsctl_task_*.json`, committed
 * with it), or, when it fails, what happened in the step's failures dir, then exits non-zero.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { pipeline } from 'node:stream/promises';
import { fileSystemFor, isLocal, joinPath } from '../fs/resolve.ts';
import { writeSmallFile } from '../fs/small-file.ts';
import { RunWriter } from '../shuffle/run-writer.ts';
import { SegmentReader } from '../shuffle/segment.ts';
import { orderField, parseStreamingLine, partitionTags, streamingLine } from '../shuffle/streaming-lines.ts';
import { FILESYSTEM, FRAMEWORK } from './context.ts';
import { isDeterministic } from './deterministic.ts';
import { runTask } from './run-task.ts';
import type { JoinRuntime, MapTaskSpec, ReduceTaskSpec, TaskResult } from './spec.ts';
import { cacheLink, resultFile, STEP_FILE, type StreamingFailure, type StreamingMapLine, type StreamingResult, type StreamingStep } from './streaming-spec.ts';

/** The Hadoop task this container runs, from the job conf Streaming exports as environment variables. */
function hadoopTask(): { attemptId: string; attempt: number; partition: number; workDir: string } {
  const attemptId = process.env.mapreduce_task_attempt_id;
  const workDir = process.env.mapreduce_task_output_dir;
  const partition = Number(process.env.mapreduce_task_partition);
  if (!attemptId || !workDir || !Number.isInteger(partition)) {
    throw new Error('not a Hadoop Streaming task: $mapreduce_task_attempt_id, $mapreduce_task_output_dir or $mapreduce_task_partition is not set');
  }
  return { attemptId, attempt: Number(/_(\d+)$/.exec(attemptId)?.[1] ?? 0), partition, workDir };
}

/** Keeps the last `limit` characters written to stderr (for the failure record). */
function stderrTail(limit: number): () => string {
  let tail = '';
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    tail = (tail + (typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'))).slice(-limit);
    return (write as (c: string | Uint8Array, ...r: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stderr.write;
  return () => tail;
}

/** Lines of stdin as strings, without their newlines. */
async function* stdinLines(): AsyncGenerator<string> {
  let rest = '';
  process.stdin.setEncoding('latin1'); // every field is ASCII
  for await (const chunk of process.stdin as AsyncIterable<string>) {
    const text = rest + chunk;
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      yield text.slice(start, nl);
      start = nl + 1;
    }
    rest = text.slice(start);
  }
  if (rest) yield rest;
}

/** Writes to stdout, waiting when the pipe to Hadoop is full. */
class StdoutLines {
  private parts: string[] = [];
  private size = 0;
  add(line: string): Promise<void> | undefined {
    this.parts.push(line);
    this.size += line.length;
    return this.size >= 256 * 1024 ? this.flush() : undefined;
  }
  async flush(): Promise<void> {
    if (this.parts.length === 0) return;
    const chunk = this.parts.join('');
    this.parts = [];
    this.size = 0;
    if (!process.stdout.write(chunk, 'latin1')) await once(process.stdout, 'drain');
  }
}

/** Progress as Streaming status lines (they also keep the attempt from timing out), at most every 2 s. */
function statusReporter(type: string): (fraction: number) => void {
  let last = 0;
  return (fraction) => {
    const now = Date.now();
    if (now - last < 2000) return;
    last = now;
    process.stderr.write(`reporter:status:${type} ${(fraction * 100).toFixed(0)}%\n`);
  };
}

/** The job's own counters for YARN's UI too (Hadoop fails a job past 120 counters: the first 50 only). */
function reportCounters(result: TaskResult): void {
  const clean = (s: string): string => s.replace(/[,\n]/g, ' ');
  let n = 0;
  for (const [group, counters] of Object.entries(result.counters)) {
    if (group === FRAMEWORK || group === FILESYSTEM) continue;
    for (const [name, value] of Object.entries(counters)) if (n++ < 50) process.stderr.write(`reporter:counter:${clean(group)},${clean(name)},${value}\n`);
  }
}

/** Copy a file to the local dir; its local path. */
async function fetchLocal(file: string, dir: string): Promise<string> {
  const target = path.join(dir, `input-${path.basename(file)}`);
  await pipeline(fileSystemFor(file).openRead(file), fs.createWriteStream(target));
  return target;
}

/** A join's runtime reading its cache file from the distributed cache (the container's working dir). */
function cachedHere(rt: JoinRuntime): JoinRuntime {
  return rt.cache ? { ...rt, cache: { ...rt.cache, path: path.resolve(cacheLink(rt.cache)) } } : rt;
}

async function runMap(step: StreamingStep, task: ReturnType<typeof hadoopTask>, local: string, where: { index: number }): Promise<TaskResult> {
  let text = '';
  for await (const line of stdinLines()) if (line.trim()) text = line;
  // NLineInputFormat's key (the line's offset) comes first unless Streaming drops it.
  const mine = JSON.parse(text.slice(text.indexOf('{'))) as StreamingMapLine;
  where.index = mine.taskIndex;
  // The previous step's file (on HDFS) is read as a whole by the intermediate format: fetched first.
  const intermediate = step.intermediateInput && mine.side !== 'right';
  const split = intermediate && !isLocal(mine.split.path) ? { ...mine.split, path: await fetchLocal(mine.split.path, local) } : mine.split;
  const chain = step.chain?.map((c) => ({ ...c, join: cachedHere(c.join) }));
  const spec: MapTaskSpec = {
    type: 'map',
    jobId: step.jobId,
    jobModule: step.jobModule,
    jobExport: step.jobExport,
    step: step.step,
    taskIndex: mine.taskIndex,
    attempt: task.attempt,
    attemptId: task.attemptId,
    conf: step.conf,
    split,
    intermediateInput: intermediate,
    ...(step.join ? { join: cachedHere(step.join) } : {}),
    ...(mine.side ? { joinSide: mine.side } : {}),
    ...(mine.partner ? { joinPartner: mine.partner } : {}),
    ...(chain?.length ? { chain } : {}),
    numReduces: step.numReduces,
    ...(step.partitionPoints ? { partitionPoints: step.partitionPoints } : {}),
    sortBytes: step.sortBytes,
    spillDir: local,
    ...(step.numReduces === 0 ? { output: { kind: step.output.kind, dir: task.workDir, numTasks: step.output.numTasks } } : {}),
  };
  const result = await runTask(spec, statusReporter('map'));
  if (result.mapOutput) {
    const tags = partitionTags(step.numReduces);
    const out = new StdoutLines();
    let seq = 0;
    for (const [p, segment] of result.mapOutput.segments.entries()) {
      const r = new SegmentReader(segment, p);
      try {
        while (r.next()) {
          // Awaited only when the buffer went out (not a microtask per record).
          const wrote = out.add(streamingLine(tags[p]!, r.key, orderField(mine.taskIndex, seq++), r.value));
          if (wrote) await wrote;
        }
      } finally {
        r.close();
      }
    }
    await out.flush();
  }
  return result;
}

async function runReduce(step: StreamingStep, task: ReturnType<typeof hadoopTask>, local: string): Promise<TaskResult> {
  const p = task.partition;
  const tag = partitionTags(step.numReduces)[p];
  const run = new RunWriter(path.join(local, 'shuffle.run'));
  let previous: Buffer | undefined;
  let n = 0;
  for await (const line of stdinLines()) {
    n++;
    const rec = parseStreamingLine(line, n);
    if (rec.tag !== tag) throw new Error(`reduce ${p}: shuffle line ${n} belongs to another partition (tag ${rec.tag}, this partition's is ${tag}): the job's -partitioner is not KeyFieldBasedPartitioner -k1,1`);
    if (previous && Buffer.compare(previous, rec.key) > 0) throw new Error(`reduce ${p}: shuffle line ${n} is out of key order: Hadoop's sort is not comparing the keys as bytes`);
    previous = rec.key;
    run.add(rec.key, rec.value);
  }
  run.endPartition();
  const [segment] = run.close();
  const spec: ReduceTaskSpec = {
    type: 'reduce',
    jobId: step.jobId,
    jobModule: step.jobModule,
    jobExport: step.jobExport,
    step: step.step,
    taskIndex: p,
    attempt: task.attempt,
    attemptId: task.attemptId,
    conf: step.conf,
    ...(step.join ? { join: cachedHere(step.join) } : {}),
    segments: [segment!],
    output: { kind: step.output.kind, dir: task.workDir, numTasks: step.output.numTasks },
  };
  return runTask(spec, statusReporter('reduce'));
}

/** The entry point of the shipped bundle. */
export async function runStreamingTask(mode: string | undefined): Promise<void> {
  // stdout carries the shuffle: whatever the job prints goes to stderr.
  console.log = console.error;
  console.info = console.error;
  console.debug = console.error;
  const tail = stderrTail(8192);
  const type = mode === 'reduce' ? 'reduce' : 'map';
  const step = JSON.parse(fs.readFileSync(STEP_FILE, 'utf8')) as StreamingStep;
  // Scratch (spills, merges, the index's postings) in the container's dir, which YARN removes.
  const local = path.join(process.cwd(), 'bsctl-local');
  fs.mkdirSync(local, { recursive: true });
  process.env.TMPDIR = local;
  let task: ReturnType<typeof hadoopTask> | undefined;
  const where = { index: -1 };
  try {
    if (mode !== 'map' && mode !== 'reduce') throw new Error(`bsctl-task: mode must be map or reduce (got ${JSON.stringify(mode)})`);
    task = hadoopTask();
    if (type === 'reduce') where.index = task.partition;
    const result = type === 'map' ? await runMap(step, task, local, where) : await runReduce(step, task, local);
    const record: StreamingResult = { ...result, type, taskIndex: where.index, attemptId: task.attemptId, host: os.hostname() };
    await writeSmallFile(resultFile(task.workDir, type, where.index), `${JSON.stringify(record)}\n`);
    reportCounters(result);
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    process.stderr.write(`bsctl-task ${task?.attemptId ?? type}: ${e.stack ?? e.message}\n`);
    const failure: StreamingFailure = {
      type,
      taskIndex: where.index,
      attemptId: task?.attemptId ?? `unknown_${process.pid}`,
      host: os.hostname(),
      error: { name: e.name, message: e.message, ...(e.stack ? { stack: e.stack } : {}), deterministic: isDeterministic(e) },
      stderrTail: tail(),
    };
    await writeSmallFile(joinPath(step.failures, `${failure.attemptId}.json`), `${JSON.stringify(failure)}\n`).catch((w: unknown) => {
      process.stderr.write(`bsctl-task: could not record the failure in ${step.failures}: ${w instanceof Error ? w.message : String(w)}\n`);
    });
    process.exitCode = 1;
  }
  // Exit now: an input stream the failed map left open (an HTTP keep-alive socket) would keep the
  // process, and Hadoop's attempt, alive. Pipes to Hadoop are written synchronously on Linux.
  process.exit(process.exitCode ?? 0);
}
