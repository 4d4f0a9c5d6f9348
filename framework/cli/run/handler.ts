import fs from 'node:fs';
import { absolutePath } from '../../fs/resolve.ts';
import type { JobPlan } from '../../job/cli.ts';
import { loadJob } from '../../task/load-job.ts';
import { resolveJobModule } from '../jobs-dir.ts';
import { ProgressReporter } from '../progress.ts';
import { formatReport } from '../report.ts';
import { loadRunner } from './runners.ts';
import { recordRun } from './history.ts';
import { AttemptLog } from '../../scheduler/history.ts';
import { newJobId, type JobReport } from '../../runner/driver.ts';
import { checkRunFlags, resolveRunOptions } from './resolve.ts';
import type { RunArgs } from './command.ts';

export { parseConf, positiveInt } from './resolve.ts';

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
  checkRunFlags(args); // before the job plans anything (a full build takes its table's lock there)
  const plan = await planOf(jobModule, args);
  try {
    return await runPlanned(args, jobModule, plan);
  } finally {
    await plan.finish?.();
  }
}

async function runPlanned(args: RunArgs, jobModule: string, plan: JobPlan): Promise<number> {
  const o = resolveRunOptions(args, plan);
  for (const w of o.warnings) log(`warning: ${w}`);
  const runner = await loadRunner(args.runner, { args, taskTimeoutMs: o.taskTimeoutMs, log });
  const progress = new ProgressReporter();
  // Following a daemon's job, Ctrl-C detaches instead (cluster.ts): the job runs on in the daemon.
  const controller = new AbortController();
  const interrupt = runner.follows ? undefined : interruptOnSignals(controller);
  // This run's history record (a daemon records the jobs it runs itself).
  const jobId = newJobId();
  const startTime = Date.now();
  const name = (await loadJob(jobModule)).name;
  let recorded = false;
  const attempts = new AttemptLog();
  const record = async (outcome: { report?: JobReport; error?: unknown }): Promise<void> => {
    recorded = true;
    if (!runner.follows) await recordRun({ jobId, name, runner: runner.name, plan, conf: o.conf, startTime, attempts, ...outcome }, log);
  };
  try {
    const report = await runner.run({
      jobId,
      jobModule,
      input: plan.input,
      output: plan.output,
      taskTimeoutMs: o.taskTimeoutMs,
      ...(args.speculative ? {} : { speculation: { enabled: false } }),
      sortMb: o.sortMb,
      overwrite: o.overwrite,
      forceOverwrite: args['force-overwrite'],
      resume: args.resume,
      signal: controller.signal,
      conf: o.conf,
      sides: o.sides,
      maxBadRecords: o.maxBadRecords,
      ...(o.reducers !== undefined ? { reducers: o.reducers } : {}),
      ...(o.workers !== undefined ? { workers: o.workers } : {}),
      ...(o.splitSize !== undefined ? { splitSize: o.splitSize } : {}),
      onProgress: (p) => progress.update(p),
      onAttempt: (r) => attempts.add(r),
      log,
    });
    progress.stop();
    await record({ report });
    await plan.afterCommit?.();
    const extra = (await plan.summary?.()) ?? [];
    process.stdout.write(`${[formatReport(report), ...extra].join('\n')}\n`);
    if (args['report-json']) fs.writeFileSync(args['report-json'], `${JSON.stringify(report, null, 2)}\n`);
    return 0;
  } catch (err) {
    if (!recorded) await record({ error: err });
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
