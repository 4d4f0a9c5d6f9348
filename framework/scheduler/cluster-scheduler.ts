import fs from 'node:fs';
import { defaultUserLogDir, pruneUserLogs } from '../runner/userlogs.ts';
import { ClusterHosts, type Host, type SlotType } from '../cluster/hosts.ts';
import type { ClusterConfig } from '../cluster/config.ts';
import { EMPTY_ALLOCATIONS, loadAllocations, type Allocations } from './allocations.ts';
import { FairScheduler } from './fair.ts';
import { ScheduledJob, type JobSubmission } from './scheduled-job.ts';
import type { JobRecord, PreemptionRecord, Sample } from './status.ts';

export interface SchedulerOptions {
  /** MR1 allocation file (reloaded when it changes), or allocations given directly. */
  readonly allocations?: string | Allocations;
  /** How long a job passes free slots waiting for a data-local one (delay scheduling), ms. */
  readonly localityDelayMs?: number;
  /** Kill tasks for starved pools (Hadoop's mapred.fairscheduler.preemption; off unless enabled). */
  readonly preemption?: boolean;
  /** How often preemption is considered, ms (Hadoop: 15 s). */
  readonly preemptionIntervalMs?: number;
  /** How often the allocation file is checked for changes, ms (Hadoop: 10 s). */
  readonly reloadIntervalMs?: number;
  readonly log?: (line: string) => void;
  /**
   * mapred.fairscheduler.assignmultiple (default true): a scheduling round may fill several free slots
   * of a machine; false gives each machine at most one new task per heartbeat (`heartbeatMs`).
   */
  readonly assignMultiple?: boolean;
  /** A machine's heartbeat when assignMultiple is off, ms (default 1000; Hadoop's is about 3 s). */
  readonly heartbeatMs?: number;
  /** mapred.fairscheduler.sizebasedweight: a job's weight in its pool grows with log2(1 + its tasks). */
  readonly sizeBasedWeight?: boolean;
  /** Where attempts' stderr logs go, `<dir>/<jobId>/<attemptId>.stderr`, kept 24 h (default: $TMPDIR/bsctl-<uid>-userlogs). */
  readonly userLogDir?: string;
}

const TYPES: readonly SlotType[] = ['map', 'reduce'];
const HISTORY = 20_000;

/**
 * The JobTracker's scheduling half: free slots of the cluster's machines go to jobs as the
 * FairScheduler model decides (pools, weights, min shares, running-job limits), with delay
 * scheduling for data locality and preemption of the youngest over-share tasks. It keeps its own
 * records (slot samples, preemptions, finished jobs) for the status page and for tests.
 */
export class ClusterScheduler {
  readonly hosts: ClusterHosts;
  readonly model: FairScheduler;
  readonly jobs = new Map<string, ScheduledJob>();
  readonly history: Sample[] = [];
  readonly preemptions: PreemptionRecord[] = [];
  readonly finished: JobRecord[] = [];
  allocationsFile: { path: string; mtimeMs: number; loadedAt: number; error?: string } | undefined;
  private started: Promise<void> | undefined;
  private timers: NodeJS.Timeout[] = [];
  private localityTimer: NodeJS.Timeout | undefined;
  /** The next scheduling round, when assignmultiple is off and a machine had more free slots. */
  private heartbeat: NodeJS.Timeout | undefined;
  /** When each machine last got a new task (assignmultiple off: one a heartbeat). */
  private readonly lastAssigned = new Map<Host, number>();
  private localityDeadline = Infinity;
  /** Set by close(): no new jobs or attempts. */
  stopping = false;
  private readonly log: (line: string) => void;
  readonly userLogDir: string;

  constructor(
    config: ClusterConfig,
    private readonly options: SchedulerOptions = {},
  ) {
    this.hosts = new ClusterHosts(config);
    this.log = options.log ?? (() => {});
    this.userLogDir = options.userLogDir ?? defaultUserLogDir();
    let allocations = EMPTY_ALLOCATIONS;
    if (typeof options.allocations === 'string') {
      allocations = loadAllocations(options.allocations);
      this.allocationsFile = { path: options.allocations, mtimeMs: fs.statSync(options.allocations).mtimeMs, loadedAt: Date.now() };
    } else if (options.allocations) allocations = options.allocations;
    this.model = new FairScheduler(allocations, Date.now, options.sizeBasedWeight ?? false);
  }

  /** Connect to the machines (again for those down) and start the preemption and reload timers. */
  start(): Promise<void> {
    if (this.stopping) return Promise.reject(new Error('the scheduler is stopping'));
    if (this.started) return this.hosts.hosts.some((h) => h.down) ? this.started.then(() => this.reconnect()) : this.started;
    this.started = this.hosts.connect();
    pruneUserLogs(this.userLogDir);
    this.timers.push(setInterval(() => pruneUserLogs(this.userLogDir), 3600_000).unref());
    if (this.options.preemption) this.timers.push(setInterval(() => this.preempt(), this.options.preemptionIntervalMs ?? 15_000).unref());
    if (this.allocationsFile) this.timers.push(setInterval(() => this.reloadAllocations(), this.options.reloadIntervalMs ?? 10_000).unref());
    return this.started;
  }

  /** Retry machines that are down; a machine found down now leaves the jobs that used it. */
  private async reconnect(): Promise<void> {
    await this.hosts.connect();
    for (const job of this.jobs.values()) job.checkUsable();
  }

  /** Re-read the allocation file if it changed; a broken file keeps the previous allocations. */
  reloadAllocations(): void {
    const f = this.allocationsFile;
    if (!f) return;
    try {
      const mtimeMs = fs.statSync(f.path).mtimeMs;
      if (mtimeMs === f.mtimeMs) return;
      f.mtimeMs = mtimeMs;
      this.model.setAllocations(loadAllocations(f.path));
      f.loadedAt = Date.now();
      delete f.error;
      this.log(`reloaded allocations from ${f.path}`);
      this.dispatch();
    } catch (err) {
      f.error = (err as Error).message;
      this.log(`allocation file not reloaded (keeping the previous one): ${f.error}`);
    }
  }

  openJob(info: JobSubmission): ScheduledJob {
    if (this.stopping) throw new Error('the scheduler is stopping: no new jobs');
    if (this.jobs.has(info.id)) throw new Error(`a job ${info.id} is already running`);
    const job = new ScheduledJob(info, this);
    this.jobs.set(info.id, job);
    this.model.submit({ id: info.id, pool: info.pool, user: info.user, submitTime: job.submitTime, priority: info.priority ?? 0, pending: { map: 0, reduce: 0 } });
    this.log(`job ${info.id} (${info.name}) submitted to pool ${info.pool} by ${info.user}`);
    this.record();
    return job;
  }

  /** A job queued (or withdrew) attempts. */
  queued(job: ScheduledJob, t: SlotType, delta: number): void {
    this.model.addPending(job.info.id, t, delta);
    if (delta > 0) this.dispatch();
    else this.record();
  }

  /** An attempt left its slot. */
  released(h: Host, t: SlotType, attemptId: string): void {
    h.running[t]--;
    this.model.taskEnded(attemptId);
    this.dispatch();
  }

  /** A job ended: its queued demand goes away and its record is kept for the status page. */
  leave(job: ScheduledJob): void {
    if (!this.jobs.delete(job.info.id)) return;
    this.model.finish(job.info.id);
    this.finished.push({ id: job.info.id, name: job.info.name, pool: job.info.pool, user: job.info.user, state: 'ended', submitTime: job.submitTime, firstTaskAt: job.firstTaskAt, finishTime: Date.now(), done: { ...job.done }, launched: { ...job.launched }, dataLocalMaps: job.dataLocalMaps });
    if (this.finished.length > 200) this.finished.shift();
    this.record();
    this.dispatch();
  }

  /** Record how a job that left ended (its driver knows, after the runner closed). */
  outcome(jobId: string, state: 'succeeded' | 'failed', error?: string): void {
    const f = this.finished.find((x) => x.id === jobId);
    if (!f) return;
    f.state = state;
    if (error) f.error = error;
  }

  /** Hand free slots to jobs until none fits: the FairScheduler picks the job, the job picks the attempt. */
  dispatch(): void {
    const now = Date.now();
    const delay = this.options.localityDelayMs ?? 1000;
    let waitUntil = Infinity;
    // Without assignmultiple a machine takes one new task a heartbeat; its other free slots wait for the next.
    const single = this.options.assignMultiple === false;
    const beat = this.options.heartbeatMs ?? 1000;
    let heldBack = false;
    for (const t of TYPES) {
      const skip = new Set<string>();
      for (;;) {
        const open = this.hosts.free(t);
        const free = single ? open.filter((h) => now - (this.lastAssigned.get(h) ?? -Infinity) >= beat) : open;
        if (single && free.length < open.length) heldBack = true;
        if (free.length === 0) break;
        const sj = this.model.assign(t, skip);
        if (!sj) break;
        const job = this.jobs.get(sj.id);
        const choice = job?.choose(t, free, now, delay);
        if (!job || !choice || choice === 'wait') {
          skip.add(sj.id);
          if (choice === 'wait') waitUntil = Math.min(waitUntil, (job!.waitingForLocalitySince ?? now) + delay);
          continue;
        }
        choice.host.running[t]++;
        if (single) this.lastAssigned.set(choice.host, now);
        this.model.taskStarted(choice.attempt.spec.attemptId, sj.id, t);
        void job.execute(choice.attempt, choice.host);
      }
    }
    if (heldBack && !this.heartbeat) {
      this.heartbeat = setTimeout(() => {
        this.heartbeat = undefined;
        this.dispatch();
      }, beat);
    }
    if (waitUntil < (this.localityTimer ? this.localityDeadline : Infinity)) {
      clearTimeout(this.localityTimer);
      this.localityDeadline = waitUntil;
      this.localityTimer = setTimeout(() => {
        this.localityTimer = undefined;
        this.dispatch();
      }, Math.max(1, waitUntil - now));
    }
    this.record();
  }

  private record(): void {
    const pools: Sample['pools'] = {};
    for (const sj of this.jobs.values()) {
      const j = this.model.job(sj.info.id);
      if (!j) continue;
      const p = (pools[sj.info.pool] ??= { running: { map: 0, reduce: 0 }, pending: { map: 0, reduce: 0 } });
      for (const t of TYPES) {
        p.running[t] += j.running[t];
        p.pending[t] += j.pending[t];
      }
    }
    const last = this.history.at(-1);
    const sample = { t: Date.now(), pools };
    if (last && JSON.stringify(last.pools) === JSON.stringify(pools)) return;
    this.history.push(sample);
    if (this.history.length > HISTORY) this.history.splice(0, this.history.length - HISTORY);
  }

  /** Kill the youngest tasks of pools over their fair share when a pool has starved past its timeouts. */
  preempt(): void {
    for (const t of TYPES) {
      const victims = this.model.tasksToPreempt(t, this.hosts.capacity(t));
      if (victims.length === 0) continue;
      const running = [...this.jobs.values()].flatMap((j) => [...j.running.values()].filter((r) => r.attempt.spec.type === t).map((r) => ({ job: j, r })));
      const record: PreemptionRecord = { t: Date.now(), type: t, killed: [], running: running.map(({ job, r }) => ({ attemptId: r.attempt.spec.attemptId, pool: job.info.pool, start: r.start })) };
      for (const id of victims) {
        const hit = running.find(({ r }) => r.attempt.spec.attemptId === id);
        if (!hit) continue;
        record.killed.push(id);
        this.log(`preempting ${id} of pool ${hit.job.info.pool} (started ${Math.round((record.t - hit.r.start) / 1000)} s ago)`);
        hit.job.kill(id, `preempted by the fair scheduler for a pool below its share`, true);
      }
      this.preemptions.push(record);
      if (this.preemptions.length > 1000) this.preemptions.shift();
    }
  }

  get preemption(): boolean {
    return this.options.preemption ?? false;
  }

  totalSlots(): Record<SlotType, number> {
    return { map: this.hosts.capacity('map'), reduce: this.hosts.capacity('reduce') };
  }


  async close(): Promise<void> {
    this.stopping = true;
    for (const t of this.timers) clearInterval(t);
    if (this.localityTimer) clearTimeout(this.localityTimer);
    if (this.heartbeat) clearTimeout(this.heartbeat);
    await Promise.all([...this.jobs.values()].map((j) => j.close()));
    await this.hosts.close();
  }
}
