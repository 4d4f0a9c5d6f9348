import os from 'node:os';
import { runJob, type JobReport } from '../runner/driver.ts';
import type { RunOptions } from '../runner/options.ts';
import type { AttemptOptions, AttemptProgress, TaskRunner } from '../runner/types.ts';
import type { TaskResult, TaskSpec } from '../task/spec.ts';
import type { ClusterConfig, Machine } from '../cluster/config.ts';
import type { SlotType } from '../cluster/hosts.ts';
import { ClusterScheduler, type SchedulerOptions } from './cluster-scheduler.ts';
import type { ScheduledJob } from './scheduled-job.ts';

export interface ClusterRunnerOptions extends SchedulerOptions {
  readonly pool?: string;
  readonly user?: string;
  readonly priority?: number;
  readonly taskTimeoutMs?: number;
  /** Kills the job (at once if it reached the scheduler, else as soon as it does); the daemon's kill. */
  readonly signal?: AbortSignal;
}

/**
 * The cluster's TaskRunner: one job in a ClusterScheduler, its attempts queued there until the
 * FairScheduler gives it slots on the machines (SSH dispatch, shipped bundle, shuffle fetch, locality,
 * blacklisting — see ClusterScheduler, ScheduledJob and RemoteJob). Without a daemon the scheduler is
 * private to the job; the daemon passes its shared one. Jobs run through `runOnCluster`.
 */
export class ClusterRunner implements TaskRunner {
  readonly name = 'cluster';
  readonly queuesAttempts = true;
  readonly scheduler: ClusterScheduler;
  /** The job in the scheduler, once started. */
  job: ScheduledJob | undefined;
  private readonly options: ClusterRunnerOptions;
  private readonly ownsScheduler: boolean;
  /** The kill signal's listener, removed at close: the daemon keeps ended jobs' signals (and so their listeners). */
  private onAbort: (() => void) | undefined;

  /** With a cluster config, a private scheduler for this job; with a scheduler, a job in it (the daemon). */
  constructor(
    cluster: ClusterConfig | ClusterScheduler,
    private readonly log: (line: string) => void = () => {},
    options: ClusterRunnerOptions = {},
  ) {
    this.options = options;
    this.ownsScheduler = !(cluster instanceof ClusterScheduler);
    this.scheduler = cluster instanceof ClusterScheduler ? cluster : new ClusterScheduler(cluster, options);
  }

  get slots(): number {
    return this.slotsFor('map');
  }

  slotsFor(t: SlotType): number {
    return this.job ? this.job.slotsFor(t) : this.scheduler.hosts.capacity(t);
  }

  async start(job: { id: string; name: string }): Promise<void> {
    const signal = this.options.signal;
    if (signal?.aborted) throw new Error(`job killed: ${String(signal.reason)}`);
    const user = this.options.user ?? os.userInfo().username;
    const scheduled = this.scheduler.openJob({
      id: job.id,
      name: job.name,
      pool: this.options.pool ?? user,
      user,
      log: this.log,
      ...(this.options.priority !== undefined ? { priority: this.options.priority } : {}),
      ...(this.options.taskTimeoutMs ? { taskTimeoutMs: this.options.taskTimeoutMs } : {}),
    });
    this.job = scheduled;
    if (signal) {
      this.onAbort = () => scheduled.cancel(String(signal.reason));
      signal.addEventListener('abort', this.onAbort, { once: true });
    }
    await scheduled.start();
    // Connecting swept what killed drivers left on the machines; this job's dirs get its owner record.
    await this.scheduler.hosts.openJob(job.id);
    for (const line of this.scheduler.hosts.takeNotes()) this.log(line);
  }

  runAttempt(spec: TaskSpec, progress: AttemptProgress, options?: AttemptOptions): Promise<TaskResult> {
    if (!this.job) return Promise.reject(new Error('cluster runner: start() first'));
    return this.job.enqueue(spec, progress, options);
  }

  /** Machines and the pids of their live workers (for tests and status). */
  workers(): { machine: Machine; pids: number[]; busyPids: number[] }[] {
    return this.scheduler.hosts.workers();
  }

  async close(): Promise<void> {
    if (this.onAbort) this.options.signal?.removeEventListener('abort', this.onAbort);
    this.onAbort = undefined;
    await this.job?.close();
    if (this.ownsScheduler) await this.scheduler.close();
  }
}

/**
 * Run a job on the cluster — the one place the cluster runner is built, for `bsctl run --runner
 * cluster` without a daemon (a private scheduler on the config's machines) and for the daemon (its
 * shared scheduler). The scheduler's record of the job follows its progress (the status page).
 */
export function runOnCluster(
  cluster: ClusterConfig | ClusterScheduler,
  options: Omit<RunOptions, 'runner'>,
  clusterOptions: ClusterRunnerOptions = {},
): Promise<JobReport> {
  const runner = new ClusterRunner(cluster, options.log, clusterOptions);
  return runJob({
    ...options,
    runner,
    onProgress: (p) => {
      if (runner.job) runner.job.progress = p;
      options.onProgress?.(p);
    },
  });
}
