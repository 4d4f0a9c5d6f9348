import { DEFAULT_TASK_TIMEOUT_MS } from '../runner/options.ts';
import { BundleError, RemoteJob } from '../cluster/remote-job.ts';
import type { Host, SlotType } from '../cluster/hosts.ts';
import type { JobProgress } from '../runner/options.ts';
import { AttemptFailure, attemptEnded, ShuffleFetchFailure, type AttemptOptions, type AttemptProgress } from '../runner/types.ts';
import type { WorkerProcess } from '../runner/worker-process.ts';
import type { TaskResult, TaskSpec } from '../task/spec.ts';
import { AttemptQueue, type QueuedAttempt } from './attempt-queue.ts';
import type { ClusterScheduler } from './cluster-scheduler.ts';
import { JobBlacklist } from './job-blacklist.ts';
import { choosePlacement, isDataLocal, type LocalityWait } from './placement.ts';

/** What a job tells the cluster scheduler when it joins: who it is, its pool, priority and log. */
export interface JobSubmission {
  readonly id: string;
  readonly name: string;
  readonly pool: string;
  readonly user: string;
  readonly priority?: number;
  readonly taskTimeoutMs?: number;
  /** The job's own log (its driver's stderr, or the daemon's per-job event stream). */
  readonly log?: (line: string) => void;
}

/** An attempt on a slot. */
export interface RunningAttempt {
  readonly attempt: QueuedAttempt;
  readonly host: Host;
  readonly start: number;
  fraction: number;
  worker?: WorkerProcess;
  /** Why it was killed from outside (preempted, lost a speculative race). */
  killed?: string;
  preempted?: boolean;
  /** Stops a reduce's shuffle fetch when the attempt is killed. */
  readonly abort: AbortController;
}


/**
 * One job in the cluster scheduler (the JobTracker's JobInProgress): its attempts wait in per-type
 * queues until the FairScheduler gives the job a slot, then run through its RemoteJob. Blacklisting,
 * delay scheduling and kills are per job, as in Hadoop. The job's TaskRunner is the ClusterRunner.
 */
export class ScheduledJob {
  readonly queued: Record<SlotType, AttemptQueue> = { map: new AttemptQueue(), reduce: new AttemptQueue() };
  readonly running = new Map<string, RunningAttempt>();
  readonly done: Record<SlotType, number> = { map: 0, reduce: 0 };
  /** Hadoop's job counters: attempts launched, and maps that ran on a machine holding their block. */
  readonly launched: Record<SlotType, number> = { map: 0, reduce: 0 };
  dataLocalMaps = 0;
  readonly blacklist = new JobBlacklist();
  readonly submitTime = Date.now();
  firstTaskAt: number | undefined;
  progress: JobProgress | undefined;
  /** The job's bundle, map output locations and early shuffle on the machines. */
  readonly remote: RemoteJob;
  /** Since when the job has been passing free slots waiting for a data-local one (delay scheduling). */
  private readonly localityWait: LocalityWait = { since: undefined };
  private closed = false;
  /** Why the job was killed, once it is. */
  cancelled: string | undefined;

  constructor(
    readonly info: JobSubmission,
    private readonly scheduler: ClusterScheduler,
  ) {
    this.remote = new RemoteJob(scheduler.hosts, info.id, {
      taskTimeoutMs: info.taskTimeoutMs ?? DEFAULT_TASK_TIMEOUT_MS,
      userLogDir: scheduler.userLogDir,
      usable: (h) => !this.blacklist.has(h),
    });
  }

  private log(line: string): void {
    this.info.log?.(line);
  }

  /** Slots of a type on machines the job may use. */
  slotsFor(t: SlotType): number {
    return this.scheduler.hosts.capacity(t, (h) => !this.blacklist.has(h));
  }

  /** Connect (down machines are retried) and blacklist what is unreachable for this job. */
  async start(): Promise<void> {
    await this.scheduler.start();
    for (const h of this.scheduler.hosts.hosts) if (h.down) this.blacklistHost(h, h.down);
    if (this.scheduler.hosts.hosts.every((h) => this.blacklist.has(h))) throw new Error(`no machine of ${this.scheduler.hosts.config.file} is reachable`);
  }

  private blacklistHost(h: Host, why: string): void {
    if (!this.blacklist.add(h, why)) return;
    this.log(`blacklisting ${h.machine.name} for this job: ${why}`);
    this.checkUsable();
  }

  /** Fail the queued attempts of a type no usable machine has slots for (they would wait forever). */
  checkUsable(): void {
    for (const t of ['map', 'reduce'] as const) {
      if (this.queued[t].size && this.slotsFor(t) === 0) this.withdraw(t, new Error(`no ${t} slot left for this job: every machine with ${t} slots is blacklisted or down`));
    }
  }

  /** Queue an attempt until the scheduler gives it a slot; settles when it has run (or was killed). */
  enqueue(spec: TaskSpec, progress: AttemptProgress, options: AttemptOptions = {}): Promise<TaskResult> {
    if (this.closed) return Promise.reject(new Error('job closed'));
    if (this.cancelled) return Promise.reject(new Error(`job killed: ${this.cancelled}`));
    if (this.slotsFor(spec.type) === 0) return Promise.reject(new Error(`no ${spec.type} slot left for this job: every machine with ${spec.type} slots is blacklisted or down`));
    return new Promise<TaskResult>((resolve, reject) => {
      const attempt: QueuedAttempt = { spec, progress, options, queuedAt: Date.now(), resolve, reject };
      const signal = options.signal;
      if (signal?.aborted) return reject(attemptEnded(spec.attemptId, undefined, signal));
      signal?.addEventListener('abort', () => this.kill(spec.attemptId, typeof signal.reason === 'string' ? signal.reason : 'killed'), { once: true });
      this.queued[spec.type].add(attempt);
      this.scheduler.queued(this, spec.type, 1);
    });
  }

  /** Kill the whole job: queued and new attempts fail, running ones are killed. */
  cancel(reason: string): void {
    if (this.cancelled) return;
    this.cancelled = reason;
    this.log(`job killed: ${reason}`);
    for (const t of ['map', 'reduce'] as const) this.withdraw(t, new Error(`job killed: ${reason}`));
    for (const id of [...this.running.keys()]) this.kill(id, `job killed: ${reason}`);
  }

  /** Fail every queued attempt of a type with `err`. */
  private withdraw(t: SlotType, err: Error): void {
    const queued = this.queued[t].drain();
    if (queued.length) this.scheduler.queued(this, t, -queued.length);
    for (const q of queued) q.reject(err);
  }

  /** Kill a queued or running attempt; it fails with AttemptKilled. */
  kill(attemptId: string, reason: string, preempted = false): void {
    for (const t of ['map', 'reduce'] as const) {
      const q = this.queued[t].get(attemptId);
      if (q && this.queued[t].delete(q)) {
        this.scheduler.queued(this, t, -1);
        q.reject(attemptEnded(attemptId, undefined, { reason, preempted }));
        return;
      }
    }
    const r = this.running.get(attemptId);
    if (!r || r.killed) return;
    r.killed = reason;
    r.preempted = preempted;
    r.abort.abort(reason);
    r.worker?.kill();
  }

  /**
   * The attempt to start on one of the free machines, 'wait' to pass (delay scheduling: a data-local
   * slot may free up soon), or undefined when nothing fits.
   */
  choose(t: SlotType, free: readonly Host[], now: number, localityDelayMs: number): { attempt: QueuedAttempt; host: Host } | 'wait' | undefined {
    const usable = (h: Host): boolean => !this.blacklist.has(h);
    const remote = this.remote;
    return choosePlacement(
      t,
      this.queued[t],
      free.filter(usable),
      { up: this.scheduler.hosts.hosts.filter((h) => !h.down && usable(h)), failures: this.blacklist.failures, ...(remote.shuffledEarly ? { home: (p: number) => remote.home(p) } : {}), localityDelayMs, now },
      this.localityWait,
    );
  }

  /** Map output segments copied to their reduce's machine while maps ran, and how many reduces used. */
  get earlyShuffle(): { copied: number; used: number } {
    return this.remote.earlyShuffle;
  }

  /** Waiting for a data-local slot since (delay scheduling), if it is. */
  get waitingForLocalitySince(): number | undefined {
    return this.localityWait.since;
  }

  /** The scheduler gave `attempt` a slot on `h` (the slot is already counted as used). */
  async execute(attempt: QueuedAttempt, h: Host): Promise<void> {
    const { spec } = attempt;
    this.queued[spec.type].delete(attempt);
    this.firstTaskAt ??= Date.now();
    this.launched[spec.type]++;
    if (isDataLocal(spec, h)) {
      this.dataLocalMaps++;
      this.localityWait.since = undefined;
    }
    const r: RunningAttempt = { attempt, host: h, start: Date.now(), fraction: 0, abort: new AbortController() };
    this.running.set(spec.attemptId, r);
    try {
      attempt.options.onStart?.(h.machine.name);
      const result = await this.remote.run(spec, h, {
        signal: r.abort.signal,
        killed: () => (r.killed ? { reason: r.killed, preempted: r.preempted ?? false } : undefined),
        onWorker: (w) => (r.worker = w),
        progress: (f, b) => {
          r.fraction = f;
          attempt.progress(f, b);
        },
      });
      this.done[spec.type]++;
      attempt.resolve(result);
    } catch (err) {
      attempt.reject(this.failure(spec, h, r, err));
    } finally {
      this.running.delete(spec.attemptId);
      this.scheduler.released(h, spec.type, spec.attemptId);
    }
  }

  private failure(spec: TaskSpec, h: Host, r: RunningAttempt, err: unknown): Error {
    if (r.killed) return attemptEnded(spec.attemptId, err, { reason: r.killed, preempted: r.preempted });
    // A lost map output is the map machine's problem: the map re-runs, this machine is not to blame;
    // nor is it when the job's code cannot be bundled.
    if (err instanceof ShuffleFetchFailure) return err;
    if (err instanceof BundleError) return new AttemptFailure(spec.attemptId, err.message, '');
    const due = this.blacklist.taskFailed(h);
    if (due) this.blacklistHost(h, due);
    if (err instanceof AttemptFailure) return err;
    return new AttemptFailure(spec.attemptId, `${h.machine.name}: ${(err as Error).message}`, '');
  }

  /** Kill what still runs, leave the scheduler, remove the job's files from the machines. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of ['map', 'reduce'] as const) for (const q of this.queued[t].drain()) q.reject(attemptEnded(q.spec.attemptId, undefined, { reason: 'job closed' }));
    for (const id of [...this.running.keys()]) this.kill(id, 'job closed');
    await this.remote.stopEarlyShuffle();
    const { copied, used } = this.remote.earlyShuffle;
    if (this.launched.map) this.log(`${this.launched.map} map attempt(s) launched, ${this.dataLocalMaps} data-local; ${this.launched.reduce} reduce attempt(s)`);
    if (this.remote.shuffledEarly) this.log(`shuffle: ${copied} map output segment(s) copied to their reduce's machine while maps ran, ${used} used`);
    this.scheduler.leave(this);
    await this.remote.cleanup();
  }
}
