import os from 'node:os';
import type { TaskResult, TaskSpec } from '../task/spec.ts';
import type { AttemptOptions, AttemptProgress, TaskRunner } from '../runner/types.ts';
import { ClusterScheduler, type SchedulerOptions } from './cluster-scheduler.ts';
import type { ScheduledJob } from './scheduled-job.ts';
import type { ClusterConfig, Machine } from '../cluster/config.ts';
import type { SlotType } from '../cluster/hosts.ts';

export interface ClusterRunnerOptions extends SchedulerOptions {
  readonly pool?: string;
  readonly user?: string;
  readonly priority?: number;
  readonly taskTimeoutMs?: number;
  /** Why the job was killed before it reached the scheduler, if it was (the daemon asks). */
  readonly cancelled?: () => string | undefined;
}

/**
 * `--runner cluster` without a scheduler daemon: a private scheduler for one job on the machines of a
 * cluster config (SSH dispatch, shipped bundle, shuffle fetch, locality, blacklisting — see
 * ClusterScheduler and ScheduledJob). With a daemon, the daemon's scheduler runs the job instead.
 */
export class ClusterRunner implements TaskRunner {
  readonly name = 'cluster';
  readonly queuesAttempts = true;
  readonly scheduler: ClusterScheduler;
  /** The job in the scheduler, once started. */
  job: ScheduledJob | undefined;
  private readonly options: ClusterRunnerOptions;
  private readonly ownsScheduler: boolean;

  /** With a cluster config, a private scheduler for this job; with a scheduler, a job in it (the daemon). */
  constructor(
    cluster: ClusterConfig | ClusterScheduler,
    private readonly log: (line: string) => void = () => {},
    taskTimeoutMsOrOptions: number | ClusterRunnerOptions = {},
  ) {
    const options = typeof taskTimeoutMsOrOptions === 'number' ? { taskTimeoutMs: taskTimeoutMsOrOptions } : taskTimeoutMsOrOptions;
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
    const killed = this.options.cancelled?.();
    if (killed) throw new Error(`job killed: ${killed}`);
    const user = this.options.user ?? os.userInfo().username;
    this.job = this.scheduler.openJob({
      id: job.id,
      name: job.name,
      pool: this.options.pool ?? user,
      user,
      log: this.log,
      ...(this.options.priority !== undefined ? { priority: this.options.priority } : {}),
      ...(this.options.taskTimeoutMs ? { taskTimeoutMs: this.options.taskTimeoutMs } : {}),
    });
    await this.job.start();
    // Connecting swept what killed drivers left on the machines; this job's dirs get its owner record.
    await this.scheduler.hosts.openJob(job.id);
    for (const line of this.scheduler.hosts.takeNotes()) this.log(line);
  }

  runAttempt(spec: TaskSpec, progress: AttemptProgress, options?: AttemptOptions): Promise<TaskResult> {
    if (!this.job) return Promise.reject(new Error('cluster runner: start() first'));
    return this.job.runAttempt(spec, progress, options);
  }

  /** Machines and the pids of their live workers (for tests and status). */
  workers(): { machine: Machine; pids: number[]; busyPids: number[] }[] {
    return this.scheduler.hosts.workers();
  }

  async close(): Promise<void> {
    await this.job?.close();
    if (this.ownsScheduler) await this.scheduler.close();
  }
}
