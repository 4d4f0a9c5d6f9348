import { runJob, type JobReport } from '../../runner/driver.ts';
import type { RunnerName, RunOptions } from '../../runner/options.ts';
import type { RunArgs } from './command.ts';

/**
 * A job-level runner (like mrjob's MRJobRunner, Beam's Runner): runs a whole job to its report. The
 * task-level TaskRunner under it is the runner's own business; the driver never picks one by name.
 */
export interface JobRunner {
  readonly name: RunnerName;
  /**
   * True when the job runs elsewhere and this process only follows it (a scheduler daemon): Ctrl-C
   * then detaches instead of interrupting the job.
   */
  readonly follows?: boolean;
  run(opts: RunOptions): Promise<JobReport>;
}

/** What building a runner may use: the parsed flags, the resolved task timeout, the log. */
export interface RunnerContext {
  readonly args: RunArgs;
  readonly taskTimeoutMs: number;
  readonly log: (line: string) => void;
}

/** The runners by name, each loaded only when chosen: a new runner is one entry (and its folder). */
const RUNNERS: Readonly<Record<RunnerName, (ctx: RunnerContext) => Promise<JobRunner>>> = {
  inline: async () => ({ name: 'inline', run: (o) => runJob({ ...o, runner: 'inline' }) }),
  local: async () => ({ name: 'local', run: (o) => runJob({ ...o, runner: 'local' }) }),
  cluster: async (ctx) => (await import('./cluster.ts')).clusterRunner(ctx),
  yarn: async (ctx) => (await import('./yarn.ts')).yarnRunner(ctx),
};

export function loadRunner(name: RunnerName, ctx: RunnerContext): Promise<JobRunner> {
  const make = RUNNERS[name];
  if (!make) throw new Error(`--runner: no runner "${name}" (${Object.keys(RUNNERS).join(', ')})`);
  return make(ctx);
}
