import { poolConfig, type Allocations, type PoolConfig } from './allocations.ts';

import type { SlotType } from '../cluster/hosts.ts';

export type { SlotType };

/** A job as the FairScheduler model sees it: its pool, user, priority and slot demand (pending, running). */
export interface JobDemand {
  readonly id: string;
  readonly pool: string;
  readonly user: string;
  readonly submitTime: number;
  readonly priority: number;
  /** Tasks of each type not yet started. */
  pending: Record<SlotType, number>;
  running: Record<SlotType, number>;
}

interface RunningTask {
  readonly jobId: string;
  readonly type: SlotType;
  readonly start: number;
}

/** Per-pool state the scheduler reports (like Hadoop's /scheduler page). */
export interface PoolStatus {
  readonly name: string;
  readonly weight: number;
  readonly minShare: Record<SlotType, number>;
  readonly fairShare: Record<SlotType, number>;
  readonly running: Record<SlotType, number>;
  readonly demand: Record<SlotType, number>;
  readonly runningJobs: number;
  readonly waitingJobs: number;
}

const minOf = (p: PoolConfig, t: SlotType): number => (t === 'map' ? p.minMaps : p.minReduces);
const maxOf = (p: PoolConfig, t: SlotType): number => (t === 'map' ? p.maxMaps : p.maxReduces);

/**
 * Hadoop's MR1 FairScheduler as a pure model: jobs are admitted under the pool and user
 * maxRunningJobs limits (the others wait, by priority then submit time); free slots go to pools below
 * their min share first, then to the pool with the lowest running/weight; within a pool, fair (fewest
 * running) or FIFO (priority, then submit time). Fair shares are computed by weighted water-filling
 * between min shares and demand (capped by max). Preemption picks the youngest tasks of pools over
 * their fair share once a pool has starved past its timeouts.
 */
export class FairScheduler {
  private readonly jobs = new Map<string, JobDemand>();
  private readonly tasks = new Map<string, RunningTask>();
  private readonly lastAtMinShare = new Map<string, number>();
  private readonly lastAtHalfFair = new Map<string, number>();
  /** Tasks chosen for preemption that have not ended yet: not chosen twice, and their slots count as coming. */
  private readonly preempting = new Set<string>();

  constructor(
    private allocations: Allocations,
    private readonly clock: () => number = Date.now,
    /**
     * mapred.fairscheduler.sizebasedweight: within a fair pool a job's weight grows with the log of the
     * tasks it needs (log2(1 + pending + running)), so a big job is not starved by many small ones; by default every job weighs the same.
     */
    private readonly sizeBasedWeight = false,
  ) {}

  /** Replace the allocations (the daemon reloads the file when it changes). */
  setAllocations(a: Allocations): void {
    this.allocations = a;
  }

  submit(job: Omit<JobDemand, 'running'>): void {
    this.jobs.set(job.id, { ...job, pending: { ...job.pending }, running: { map: 0, reduce: 0 } });
  }

  /** More (or, negative, fewer) tasks of a job wait for a slot. */
  addPending(jobId: string, t: SlotType, delta: number): void {
    const j = this.jobs.get(jobId);
    if (j) j.pending[t] = Math.max(0, j.pending[t] + delta);
  }

  job(jobId: string): Readonly<JobDemand> | undefined {
    return this.jobs.get(jobId);
  }

  finish(jobId: string): void {
    this.jobs.delete(jobId);
    for (const [id, t] of this.tasks) if (t.jobId === jobId) {
      this.tasks.delete(id);
      this.preempting.delete(id);
    }
  }

  /** Jobs allowed to run now; the others wait (they never fail). */
  admitted(): JobDemand[] {
    const byPool = new Map<string, number>();
    const byUser = new Map<string, number>();
    const out: JobDemand[] = [];
    // A job that already runs tasks keeps running (a later, higher-priority job waits for a free turn).
    const started = (j: JobDemand): number => Number(j.running.map + j.running.reduce > 0);
    const order = [...this.jobs.values()].sort((a, b) => started(b) - started(a) || b.priority - a.priority || a.submitTime - b.submitTime || (a.id < b.id ? -1 : 1));
    for (const j of order) {
      const poolMax = poolConfig(this.allocations, j.pool).maxRunningJobs;
      const userMax = this.allocations.userMaxJobs.get(j.user) ?? this.allocations.userMaxJobsDefault;
      const p = byPool.get(j.pool) ?? 0;
      const u = byUser.get(j.user) ?? 0;
      if (p >= poolMax || u >= userMax) continue;
      byPool.set(j.pool, p + 1);
      byUser.set(j.user, u + 1);
      out.push(j);
    }
    return out;
  }

  private pools(): Map<string, { config: PoolConfig; jobs: JobDemand[] }> {
    const pools = new Map<string, { config: PoolConfig; jobs: JobDemand[] }>();
    for (const name of this.allocations.pools.keys()) pools.set(name, { config: poolConfig(this.allocations, name), jobs: [] });
    for (const j of this.admitted()) {
      if (!pools.has(j.pool)) pools.set(j.pool, { config: poolConfig(this.allocations, j.pool), jobs: [] });
      pools.get(j.pool)!.jobs.push(j);
    }
    return pools;
  }

  private static demand(pool: { config: PoolConfig; jobs: JobDemand[] }, t: SlotType): number {
    const d = pool.jobs.reduce((n, j) => n + j.pending[t] + j.running[t], 0);
    return Math.min(d, maxOf(pool.config, t));
  }

  /** Fair share of every pool for `totalSlots` slots of a type (weighted water-filling). */
  fairShares(t: SlotType, totalSlots: number): Map<string, number> {
    const pools = [...this.pools().values()].map((p) => ({ name: p.config.name, w: p.config.weight, min: minOf(p.config, t), d: FairScheduler.demand(p, t) }));
    const share = (r: number, p: (typeof pools)[number]): number => Math.min(Math.max(Math.min(p.min, p.d), r * p.w), p.d);
    const total = (r: number): number => pools.reduce((n, p) => n + share(r, p), 0);
    let hi = 1;
    while (total(hi) < totalSlots && hi < 1e12 && pools.some((p) => share(hi, p) < p.d)) hi *= 2;
    let lo = 0;
    for (let i = 0; i < 60; i++) {
      const mid = (lo + hi) / 2;
      if (total(mid) < totalSlots) lo = mid;
      else hi = mid;
    }
    return new Map(pools.map((p) => [p.name, share(hi, p)]));
  }

  /** The job that should get the next free slot of type `t` (jobs in `skip` pass), or undefined. */
  assign(t: SlotType, skip?: ReadonlySet<string>): JobDemand | undefined {
    const wants = (j: JobDemand): boolean => j.pending[t] > 0 && !skip?.has(j.id);
    const candidates = [...this.pools().values()].filter(
      (p) => p.jobs.some(wants) && p.jobs.reduce((n, j) => n + j.running[t], 0) < maxOf(p.config, t),
    );
    if (candidates.length === 0) return undefined;
    const running = (p: { jobs: JobDemand[] }): number => p.jobs.reduce((n, j) => n + j.running[t], 0);
    const needy = candidates.filter((p) => running(p) < Math.min(minOf(p.config, t), FairScheduler.demand(p, t)));
    const chosen = (needy.length ? needy : candidates).sort((a, b) =>
      needy.length
        ? running(a) / Math.max(1, minOf(a.config, t)) - running(b) / Math.max(1, minOf(b.config, t))
        : running(a) / a.config.weight - running(b) / b.config.weight || (a.config.name < b.config.name ? -1 : 1),
    )[0]!;
    const jobs = chosen.jobs.filter(wants);
    jobs.sort((a, b) =>
      chosen.config.schedulingMode === 'fifo'
        ? b.priority - a.priority || a.submitTime - b.submitTime
        : a.running[t] / this.jobWeight(a, t) - b.running[t] / this.jobWeight(b, t) || a.submitTime - b.submitTime,
    );
    return jobs[0];
  }

  private jobWeight(j: JobDemand, t: SlotType): number {
    // Hadoop's: log2(1 + runnable tasks); a job asking for a slot has at least one pending, so ≥ 1.
    return this.sizeBasedWeight ? Math.log2(1 + j.pending[t] + j.running[t]) : 1;
  }

  taskStarted(taskId: string, jobId: string, t: SlotType): void {
    const j = this.jobs.get(jobId);
    if (!j) throw new Error(`unknown job ${jobId}`);
    j.pending[t]--;
    j.running[t]++;
    this.tasks.set(taskId, { jobId, type: t, start: this.clock() });
  }

  /** A task ended: `requeue` puts it back to pending (failed or preempted attempts run again). */
  taskEnded(taskId: string, requeue = false): void {
    const task = this.tasks.get(taskId);
    if (!task) return;
    this.tasks.delete(taskId);
    this.preempting.delete(taskId);
    const j = this.jobs.get(task.jobId);
    if (!j) return;
    j.running[task.type]--;
    if (requeue) j.pending[task.type]++;
  }

  /**
   * Tasks to kill so starved pools reach their shares: a pool below its min share for longer than its
   * minSharePreemptionTimeout, or below half its fair share for longer than fairSharePreemptionTimeout,
   * takes slots from pools over their fair share, youngest tasks first.
   */
  tasksToPreempt(t: SlotType, totalSlots: number): string[] {
    const now = this.clock();
    const shares = this.fairShares(t, totalSlots);
    const pools = this.pools();
    let wanted = 0;
    const running = (name: string): number => (pools.get(name)?.jobs ?? []).reduce((n, j) => n + j.running[t], 0);
    for (const [name, p] of pools) {
      const r = running(name);
      const minShare = Math.min(minOf(p.config, t), FairScheduler.demand(p, t));
      const fair = shares.get(name) ?? 0;
      // A pool's starvation clock (one per slot type) starts when it is first seen below its share.
      const key = `${t}:${name}`;
      if (r >= minShare || !this.lastAtMinShare.has(key)) this.lastAtMinShare.set(key, now);
      if (r >= fair / 2 || !this.lastAtHalfFair.has(key)) this.lastAtHalfFair.set(key, now);
      let deficit = 0;
      if (now - (this.lastAtMinShare.get(key) ?? now) > p.config.minSharePreemptionTimeout * 1000) deficit = minShare - r;
      if (now - (this.lastAtHalfFair.get(key) ?? now) > this.allocations.fairSharePreemptionTimeout * 1000) deficit = Math.max(deficit, Math.floor(fair) - r);
      wanted += Math.max(0, deficit);
    }
    // Slots of tasks already being killed are on their way.
    const dying = (name?: string): number => [...this.preempting].filter((id) => this.tasks.get(id)?.type === t && (!name || this.jobs.get(this.tasks.get(id)!.jobId)?.pool === name)).length;
    wanted -= dying();
    if (wanted <= 0) return [];
    const overShare = new Set([...pools.keys()].filter((name) => running(name) - dying(name) > (shares.get(name) ?? 0)));
    const victims = [...this.tasks.entries()]
      .filter(([id, task]) => task.type === t && !this.preempting.has(id) && overShare.has(this.jobs.get(task.jobId)?.pool ?? ''))
      .sort((a, b) => b[1].start - a[1].start);
    const out: string[] = [];
    const left = new Map([...overShare].map((name) => [name, running(name) - dying(name) - Math.ceil(shares.get(name) ?? 0)]));
    for (const [id, task] of victims) {
      if (out.length >= wanted) break;
      const pool = this.jobs.get(task.jobId)!.pool;
      if ((left.get(pool) ?? 0) <= 0) continue;
      left.set(pool, left.get(pool)! - 1);
      out.push(id);
      this.preempting.add(id);
    }
    return out;
  }

  status(totalSlots: Record<SlotType, number>): PoolStatus[] {
    const shares = { map: this.fairShares('map', totalSlots.map), reduce: this.fairShares('reduce', totalSlots.reduce) };
    const admitted = new Set(this.admitted().map((j) => j.id));
    return [...this.pools().values()].map((p) => {
      const all = [...this.jobs.values()].filter((j) => j.pool === p.config.name);
      const sum = (t: SlotType): number => p.jobs.reduce((n, j) => n + j.running[t], 0);
      return {
        name: p.config.name,
        weight: p.config.weight,
        minShare: { map: p.config.minMaps, reduce: p.config.minReduces },
        fairShare: { map: shares.map.get(p.config.name) ?? 0, reduce: shares.reduce.get(p.config.name) ?? 0 },
        running: { map: sum('map'), reduce: sum('reduce') },
        demand: { map: FairScheduler.demand(p, 'map'), reduce: FairScheduler.demand(p, 'reduce') },
        runningJobs: all.filter((j) => admitted.has(j.id)).length,
        waitingJobs: all.filter((j) => !admitted.has(j.id)).length,
      };
    });
  }
}
