/**
 * `--runner yarn`: each step of a job runs as a Hadoop Streaming job on a YARN cluster (as mrjob's
 * `-r hadoop` runs Python jobs). bsctl still plans the job — output checks, splits, partition points —
 * and publishes it; YARN runs the tasks (containers in the queue named by --pool, retries, speculation)
 * and Hadoop sorts and shuffles between them. See docs/architecture.md, "YARN".
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { FileOutputCommitter } from '../../output/committer.ts';
import { checkOutputSafety } from '../../output/output-guard.ts';
import { OWNER_FILE, sweepStaleOutputs } from '../../output/stale.ts';
import { currentOwner } from '../../fs/owner.ts';
import { fileSystemFor, joinPath, splitPath } from '../../fs/resolve.ts';
import { readSmallFile, writeSmallFile } from '../../fs/small-file.ts';
import { defaultWorkRoot } from '../../fs/work-root.ts';
import type { InputSplit } from '../../input/types.ts';
import { jobReport, newJobId, sortBytesOf, splitInput, type JobReport } from '../../runner/driver.ts';
import type { JoinReport } from '../../runner/join-plan.ts';
import { sideInputsOf, walkSteps, type WalkStep } from '../../runner/step-walk.ts';
import { JobTally } from '../../runner/job-tally.ts';
import type { RunOptions } from '../../runner/options.ts';
import { writePartitions } from '../../runner/total-order.ts';
import { loadJob } from '../../task/load-job.ts';
import { cacheLink, NODE_MODULES_ARCHIVE, RESULT_PREFIX, STEP_FILE, TASK_BUNDLE, type StreamingFailure, type StreamingMapLine, type StreamingResult, type StreamingStep } from '../../task/streaming-spec.ts';
import { buildWorkerBundle, type WorkerBundle } from '../bundle.ts';
import { QueueWait } from './queue-wait.ts';
import { ResourceManager } from './resource-manager.ts';
import { fetchAppLogs, runStreaming, type StreamingOutcome } from './streaming-client.ts';
import type { YarnSettings } from './settings.ts';
import { YarnTaskFailed, yarnFailure } from './yarn-failure.ts';

/** Paths the NodeManagers can reach: HDFS (and HBase tables through their REST gateway). */
const REMOTE = /^(hdfs|webhdfs|hbase):\/\//i;

/** The environment bsctl's tasks need on the NodeManagers (where HDFS and HBase answer). */
function taskEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const k of ['BSCTL_NAMENODE', 'BSCTL_HDFS_USER', 'BSCTL_HBASE_REST']) if (process.env[k]) env[k] = process.env[k]!;
  return env;
}

/** The native packages a bundle needs, as one archive unpacked as `node_modules` beside it. */
function nativesArchive(bundle: WorkerBundle, dir: string): string | undefined {
  if (bundle.natives.length === 0) return undefined;
  const file = path.join(dir, 'bsctl-natives.tgz');
  const args = ['-czf', file];
  for (const n of bundle.natives) {
    if (!n.dir.endsWith(`/${n.name}`)) throw new Error(`native package ${n.name} is not in a node_modules dir (${n.dir})`);
    args.push('-C', n.dir.slice(0, -n.name.length - 1), n.name);
  }
  const r = spawnSync('tar', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`could not pack the native packages for YARN: tar ${r.stderr || r.error?.message}`);
  return file;
}

/** Job conf keys a user may hand Hadoop itself (`--conf`): task attempts, timeouts, speculation, the AM. */
const HADOOP_CONF = /^(mapreduce\.(map|reduce)\.|mapreduce\.task\.timeout$|mapreduce\.job\.reduce\.slowstart\.|mapreduce\.job\.ubertask\.|yarn\.app\.mapreduce\.)/;

/** The Hadoop job conf of a step: bsctl's run options in Hadoop's keys, then the user's own. */
function hadoopConf(opts: RunOptions, settings: YarnSettings): Record<string, string> {
  const conf: Record<string, string> = {
    'mapreduce.map.memory.mb': String(settings.mapMb),
    'mapreduce.reduce.memory.mb': String(settings.reduceMb),
    // The client sees the end within a second (its default completion poll is 5 s).
    'mapreduce.client.completion.pollinterval': '500',
    'mapreduce.client.progressmonitor.pollinterval': '500',
  };
  if (opts.maxAttempts !== undefined) conf['mapreduce.map.maxattempts'] = conf['mapreduce.reduce.maxattempts'] = String(opts.maxAttempts);
  if (opts.taskTimeoutMs !== undefined) conf['mapreduce.task.timeout'] = String(opts.taskTimeoutMs);
  if (opts.speculation?.enabled === false) conf['mapreduce.map.speculative'] = conf['mapreduce.reduce.speculative'] = 'false';
  for (const [k, v] of Object.entries(opts.conf ?? {})) if (HADOOP_CONF.test(k)) conf[k] = v;
  return conf;
}

/** What `--runner yarn` cannot run, refused before anything is submitted. */
function checkRunnable(opts: RunOptions, sideInputs: readonly string[]): void {
  for (const p of opts.input) if (!REMOTE.test(p)) throw new Error(`--runner yarn: input ${p} is on this machine's disk; YARN's NodeManagers read hdfs:// (or hbase://) inputs`);
  for (const p of sideInputs) if (!REMOTE.test(p)) throw new Error(`--runner yarn: join side ${p} is on this machine's disk; YARN's NodeManagers read hdfs:// (or hbase://) sides`);
  if (!/^(hdfs|webhdfs):\/\//i.test(opts.output)) throw new Error(`--runner yarn: output ${opts.output} must be on HDFS (hdfs://...), where YARN's tasks write`);
  if (opts.resume) throw new Error('--resume: works with the inline and local runners (YARN keeps no map outputs between applications)');
}

export async function runOnYarn(opts: RunOptions, settings: YarnSettings, pool: string): Promise<JobReport> {
  const started = Date.now();
  const log = opts.log ?? (() => {});
  const jobExport = opts.jobExport ?? 'default';
  const job = await loadJob(opts.jobModule, jobExport);
  const jobId = opts.jobId ?? newJobId();
  const sideInputs = sideInputsOf(job, opts.sides ?? {});
  checkRunnable(opts, sideInputs);
  const rm = new ResourceManager(settings.web, settings.user);
  const version = await rm.version();
  const queue = await rm.queue(pool);
  await checkOutputSafety({ output: opts.output, inputs: [...opts.input, ...sideInputs], overwrite: opts.overwrite ?? false, forceOverwrite: opts.forceOverwrite ?? false });
  const committer = new FileOutputCommitter(opts.output, jobId, opts.overwrite ?? false, opts.forceOverwrite ?? false);
  await sweepStaleOutputs(splitPath(committer.outputDir).parent, log);
  const firstSplits = await splitInput(job, opts);
  const workDir = path.join(opts.workRoot ?? defaultWorkRoot(), jobId);
  const tally = new JobTally(opts.maxBadRecords ?? 0);
  let joins: JoinReport[] = [];
  try {
    fs.mkdirSync(workDir, { recursive: true });
    fs.writeFileSync(path.join(workDir, OWNER_FILE), `${JSON.stringify(currentOwner(jobId))}\n`);
    opts.signal?.throwIfAborted();
    log(`${jobId}: ${job.name}, ${job.steps.length} step(s), ${firstSplits.length} split(s), runner yarn (ResourceManager ${settings.web}, Hadoop ${version}, queue ${queue})`);
    await committer.setupJob();
    const bundle = await buildWorkerBundle(opts.jobModule, 'streaming');
    fs.writeFileSync(path.join(workDir, TASK_BUNDLE), bundle.code);
    const natives = nativesArchive(bundle, workDir);
    // Everything of the job on HDFS lives in the staging's _temporary, removed at commit or abort.
    const yarnDir = joinPath(committer.staging, '_temporary', 'yarn');
    /** One step as a Streaming application; before the last step, the HDFS dir of its intermediate files. */
    const runOne = async (w: WalkStep): Promise<string | undefined> => {
      const s = w.s;
      const stepOut = joinPath(yarnDir, `step${s}-out`);
      const failures = joinPath(yarnDir, `step${s}-failures`);
      const tasks = joinPath(yarnDir, `step${s}.tasks`);
      const { join, chain, sides, partners, partitionPoints } = w.extra;
      const line = (split: InputSplit, taskIndex: number): StreamingMapLine => ({ taskIndex, split, ...(sides?.[taskIndex] ? { side: sides[taskIndex] } : {}), ...(partners?.[taskIndex] ? { partner: partners[taskIndex] } : {}) });
      await writeSmallFile(tasks, w.splits.map((split, i) => `${JSON.stringify(line(split, i))}\n`).join(''));
      // A join's cache files (its side table or filter, and those of the replicated joins chained into
      // these mappers) go through the distributed cache; the tasks read them in their working dir.
      const cached = [join, ...(chain ?? []).map((c) => c.join)].flatMap((rt) => (rt?.cache ? [rt.cache] : []));
      const spec: StreamingStep = {
        jobId,
        jobModule: opts.jobModule,
        jobExport,
        step: s,
        conf: opts.conf ?? {},
        numReduces: w.numReduces,
        sortBytes: sortBytesOf(opts),
        intermediateInput: w.intermediateInput,
        output: { kind: w.last ? 'final' : 'intermediate', numTasks: w.numReduces || w.splits.length },
        failures,
        ...(partitionPoints ? { partitionPoints } : {}),
        ...(join ? { join } : {}),
        ...(chain ? { chain } : {}),
      };
      const stepFile = path.join(workDir, `step${s}`, STEP_FILE);
      fs.mkdirSync(path.dirname(stepFile), { recursive: true });
      fs.writeFileSync(stepFile, `${JSON.stringify(spec)}\n`);
      const task = (mode: string): string => `${settings.node} --enable-source-maps --preserve-symlinks-main --preserve-symlinks ${TASK_BUNDLE} ${mode}`;
      const outcome = await followStep(rm, {
        name: `bsctl ${job.name} ${jobId} step ${s}`,
        tag: `bsctl_${jobId}_s${s}`.toLowerCase(),
        queue,
        input: tasks,
        output: stepOut,
        files: [path.join(workDir, TASK_BUNDLE), stepFile, ...[...new Map(cached.map((c) => [c.hash, c])).values()].map((c) => `${c.path}#${cacheLink(c)}`)],
        archives: natives ? [`${natives}#${NODE_MODULES_ARCHIVE}`] : [],
        mapper: task('map'),
        ...(w.numReduces > 0 ? { reducer: task('reduce') } : {}),
        numReduces: w.numReduces,
        conf: hadoopConf(opts, settings),
        cmdenv: taskEnv(),
        tmpDir: workDir,
      }, { settings, jobModule: opts.jobModule, failures, log, jobId, step: w.index, steps: w.of, numMaps: w.splits.length, numReduces: w.numReduces, started, ...(opts.onProgress ? { onProgress: opts.onProgress } : {}), ...(opts.signal ? { signal: opts.signal } : {}) });
      // The last step's files are the job's output; an earlier step's stay where the next reads them.
      await collect(stepOut, w.last ? committer.staging : undefined, tally, { step: s, maps: w.splits.length, reduces: w.numReduces, appId: outcome.appId });
      tally.checkBadRecords();
      log(`${jobId}: step ${s} done (${outcome.appId})`);
      // The split points beside the part files (the total-order partition file a merge join checks).
      if (partitionPoints) await writePartitions(w.last ? committer.staging : stepOut, w.numReduces, partitionPoints);
      return w.last ? undefined : stepOut;
    };
    joins = await walkSteps({ job, jobId, opts, workDir, firstSplits, log, tally, runStep: runOne });
    await committer.commitJob();
    log(`${jobId}: committed ${opts.output}`);
  } catch (err) {
    await committer.abortJob().catch((e: unknown) => log(`could not remove the staging directory ${committer.staging}: ${e instanceof Error ? e.message : String(e)}`));
    throw err;
  } finally {
    fs.rmSync(workDir, { recursive: true, force: true });
  }
  return jobReport(tally, { jobId, jobName: job.name, output: opts.output, started, joins });
}

interface Follow {
  readonly settings: YarnSettings;
  readonly jobModule: string;
  readonly failures: string;
  readonly log: (line: string) => void;
  readonly jobId: string;
  /** This step's place among the steps that run. */
  readonly step: number;
  readonly steps: number;
  readonly numMaps: number;
  readonly numReduces: number;
  readonly started: number;
  readonly onProgress?: RunOptions['onProgress'];
  readonly signal?: AbortSignal;
}

/** The failures the step's attempts recorded so far. */
async function failuresIn(dir: string): Promise<StreamingFailure[]> {
  const fsys = fileSystemFor(dir);
  if (!(await fsys.stat(dir))) return [];
  const out: StreamingFailure[] = [];
  for (const f of await fsys.list(dir)) {
    const text = await readSmallFile(f.path);
    if (text) out.push(JSON.parse(text) as StreamingFailure);
  }
  return out;
}

/**
 * Submit the step and follow it to its end. A deterministic failure (bad input) kills the application
 * at once instead of letting YARN retry it; aborting (Ctrl-C) kills it too. A failed step is an error
 * naming the application and the task, with the task's error, stderr tail and probable cause.
 */
async function followStep(rm: ResourceManager, submit: Parameters<typeof runStreaming>[1], f: Follow): Promise<StreamingOutcome & { appId: string }> {
  const stop = new AbortController();
  let appId: string | undefined;
  let deterministic: StreamingFailure | undefined;
  const kill = async (why: string): Promise<void> => {
    const ids = appId ? [appId] : (await rm.appsTagged(submit.tag).catch(() => [])).map((a) => a.id);
    for (const id of ids) {
      f.log(`${f.jobId}: killing ${id} (${why})`);
      await rm.kill(id).catch((e: unknown) => f.log(`could not kill ${id}: ${e instanceof Error ? e.message : String(e)}`));
    }
  };
  const onAbort = (): void => {
    void kill('interrupted').finally(() => stop.abort());
  };
  f.signal?.addEventListener('abort', onAbort, { once: true });
  const wait = new QueueWait(rm, submit.queue, (line) => f.log(`${f.jobId}: ${line}`));
  const poll = setInterval(() => {
    if (deterministic || !appId) return;
    void wait.check(appId).catch(() => {});
    void failuresIn(f.failures).then(
      (all) => {
        const d = all.find((x) => x.error.deterministic);
        if (d && !deterministic) {
          deterministic = d;
          void kill('a deterministic error: every attempt would fail the same way').finally(() => stop.abort());
        }
      },
      () => {},
    );
  }, 1000);
  let outcome: StreamingOutcome;
  try {
    outcome = await runStreaming(f.settings, submit, {
      log: f.log,
      onAppId: (id) => {
        appId = id;
        f.log(`${f.jobId}: submitted as ${id} (queue ${submit.queue}); ${rm.web}/cluster/app/${id}`);
      },
      onProgress: (m, r) =>
        f.onProgress?.({
          jobId: f.jobId,
          step: f.step,
          steps: f.steps,
          map: { total: f.numMaps, done: m === 100 ? f.numMaps : 0, fraction: m / 100 },
          reduce: { total: f.numReduces, done: r === 100 ? f.numReduces : 0, fraction: r / 100 },
          bytesRead: 0,
          elapsedMs: Date.now() - f.started,
        }),
    }, stop.signal);
  } finally {
    clearInterval(poll);
    f.signal?.removeEventListener('abort', onAbort);
  }
  f.signal?.throwIfAborted();
  const id = outcome.appId ?? appId;
  if (!deterministic && outcome.code === 0 && id) return { ...outcome, appId: id };
  const recorded = deterministic ? [deterministic] : await failuresIn(f.failures).catch(() => []);
  const logs = recorded.length === 0 && id ? await fetchAppLogs(f.settings, id) : '';
  throw yarnFailure(id, outcome, recorded, deterministic, f.jobModule, f.settings.node, logs);
}

/**
 * The committed attempts' results into the tally, and the step's output files into the job's staging
 * (Hadoop's commit put them in the step's output dir; its `_SUCCESS` and the result files stay behind).
 */
async function collect(stepOut: string, staging: string | undefined, tally: JobTally, expect: { step: number; maps: number; reduces: number; appId: string }): Promise<void> {
  const fsys = fileSystemFor(stepOut);
  const want = expect.reduces > 0 ? { type: 'reduce', n: expect.reduces } : { type: 'map', n: expect.maps };
  const seen = new Set<number>();
  for (const f of await fsys.list(stepOut)) {
    const name = splitPath(f.path).name;
    if (name.startsWith(RESULT_PREFIX)) {
      const r = JSON.parse((await readSmallFile(f.path, 16 * 1024 * 1024)) ?? '{}') as StreamingResult;
      tally.done(`task_${expect.step}_${r.type}_${r.taskIndex}`, r);
      if (r.type === 'map') tally.maps++;
      else tally.reduces++;
      if (r.type === want.type) seen.add(r.taskIndex);
      continue; // left where it is: the next step's splits skip `_` names, the commit removes it
    }
    if (name === '_SUCCESS' || !staging) continue;
    await fsys.rename(f.path, joinPath(staging, name));
  }
  // Maps of a step with reducers leave their results beside the reduces' (Hadoop commits both).
  const missing = Array.from({ length: want.n }, (_, i) => i).filter((i) => !seen.has(i));
  if (missing.length) throw new YarnTaskFailed(`${expect.appId} succeeded but ${want.type} task(s) ${missing.slice(0, 10).join(', ')} left no committed result in ${stepOut}: not publishing`);
}
