import fs from 'node:fs';
import { absolutePath } from '../../fs/resolve.ts';
import type { JobPlan } from '../../job/cli.ts';
import { runJob } from '../../runner/driver.ts';
import { sortFactorOf } from '../../shuffle/sort-factor.ts';
import { loadJob } from '../../task/load-job.ts';
import { resolveJobModule } from '../jobs-dir.ts';
import { ProgressReporter } from '../progress.ts';
import { formatReport } from '../report.ts';
import { parseSize } from '../sizes.ts';
import { clusterRun } from './cluster.ts';
import type { RunArgs } from './command.ts';

export function parseConf(pairs: readonly string[]): Record<string, string> {
  const conf: Record<string, string> = {};
  for (const p of pairs) {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new Error(`--conf: "${p}" is not key=value`);
    conf[p.slice(0, eq)] = p.slice(eq + 1);
  }
  return conf;
}

export function positiveInt(v: number | undefined, key: string, min = 1): number | undefined {
  if (v === undefined) return undefined;
  if (!Number.isInteger(v) || v < min) throw new Error(`${key}: must be a whole number of at least ${min} (got ${v})`);
  return v;
}

const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

/** The job's own plan (full-build's --table ...) or the generic --input/--output. */
async function planOf(jobModule: string, args: RunArgs): Promise<JobPlan> {
  const job = await loadJob(jobModule);
  if (job.cli) return job.cli.plan(args, log);
  return { input: args.input!.map(absolutePath), output: absolutePath(args.output!) };
}

/** Exit codes of an interrupted run, as a shell reports them (128 + signal number). */
const SIGNAL_EXIT: Readonly<Record<string, number>> = { SIGINT: 130, SIGTERM: 143 };

/**
 * Ctrl-C or SIGTERM interrupts the job and waits for its clean-up (running attempts killed, staging
 * and work dirs removed, the table lock released) before exiting; a second signal exits at once.
 */
function interruptOnSignals(controller: AbortController): { readonly signal: () => string | undefined; readonly dispose: () => void } {
  let received: string | undefined;
  const on = (sig: NodeJS.Signals): void => {
    if (received) process.exit(SIGNAL_EXIT[sig] ?? 1);
    received = sig;
    process.stderr.write(`\n${sig}: stopping the job and cleaning up (again to exit at once)\n`);
    controller.abort(new Error(`interrupted by ${sig}`));
  };
  const sigs: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];
  for (const s of sigs) process.on(s, on);
  return { signal: () => received, dispose: () => sigs.forEach((s) => process.off(s, on)) };
}

export async function runHandler(args: RunArgs): Promise<number> {
  const jobModule = resolveJobModule(args.job);
  const reducers = positiveInt(args.reducers, '--reducers');
  const workers = positiveInt(args.workers, '--workers');
  const sortMb = positiveInt(args['sort-mb'], '--sort-mb')!;
  if (sortMb > 2047) throw new Error(`--sort-mb: at most 2047 (like Hadoop's io.sort.mb), got ${sortMb}`);
  const maxBad = positiveInt(args['max-bad-records'], '--max-bad-records', 0);
  const splitSize = args['split-size'] !== undefined ? parseSize(args['split-size'], '--split-size') : undefined;
  sortFactorOf(parseConf(args.conf)); // a bad mapreduce.task.io.sort.factor fails once, here, not in every task attempt
  const plan = await planOf(jobModule, args);
  try {
    return await runPlanned(args, jobModule, plan, { reducers, workers, sortMb, maxBad, splitSize });
  } finally {
    await plan.finish?.();
  }
}

async function runPlanned(
  args: RunArgs,
  jobModule: string,
  plan: JobPlan,
  o: { reducers: number | undefined; workers: number | undefined; sortMb: number; maxBad: number | undefined; splitSize: number | undefined },
): Promise<number> {
  const { reducers, workers, sortMb, maxBad, splitSize } = o;
  const taskTimeoutMs = positiveInt(args['task-timeout'], '--task-timeout')! * 1000;
  if (args.resume && args.runner === 'cluster') throw new Error('--resume: works with the inline and local runners (map outputs on SSH hosts are not recorded)');
  const cluster = args.runner === 'cluster' ? await clusterRun(args, log) : undefined;
  const run = cluster && 'daemon' in cluster ? cluster.daemon : runJob;
  const progress = new ProgressReporter();
  // Following a daemon's job, Ctrl-C detaches instead (cluster.ts): the job runs on in the daemon.
  const controller = new AbortController();
  const interrupt = cluster && 'daemon' in cluster ? undefined : interruptOnSignals(controller);
  try {
    const report = await run({
      jobModule,
      input: plan.input,
      output: plan.output,
      runner: cluster && 'runner' in cluster ? cluster.runner : args.runner,
      taskTimeoutMs,
      ...(args.speculative ? {} : { speculation: { enabled: false } }),
      sortMb,
      overwrite: args.overwrite || (plan.overwrite ?? false),
      forceOverwrite: args['force-overwrite'],
      resume: args.resume,
      signal: controller.signal,
      conf: { ...plan.conf, ...parseConf(args.conf) },
      maxBadRecords: maxBad ?? plan.maxBadRecords ?? 0,
      ...((plan.reducers ?? reducers) !== undefined ? { reducers: plan.reducers ?? reducers } : {}),
      ...(workers !== undefined ? { workers } : {}),
      ...(splitSize !== undefined ? { splitSize } : {}),
      onProgress: (p) => progress.update(p),
      log,
    });
    progress.stop();
    await plan.afterCommit?.();
    const extra = (await plan.summary?.()) ?? [];
    process.stdout.write(`${[formatReport(report), ...extra].join('\n')}\n`);
    if (args['report-json']) fs.writeFileSync(args['report-json'], `${JSON.stringify(report, null, 2)}\n`);
    return 0;
  } catch (err) {
    const sig = interrupt?.signal();
    if (!sig) throw err;
    progress.stop();
    process.stderr.write(`bsctl: interrupted by ${sig}; nothing was published\n`);
    return SIGNAL_EXIT[sig] ?? 1;
  } finally {
    interrupt?.dispose();
    progress.stop();
  }
}
