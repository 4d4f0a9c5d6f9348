import type { SlotType } from '../cluster/hosts.ts';
import type { JobProgress } from '../runner/options.ts';
import type { ClusterScheduler } from './cluster-scheduler.ts';
import type { PoolStatus } from './fair.ts';

/** Slots in use and waiting attempts of every pool with jobs, at one moment (the scheduler's records). */
export interface Sample {
  readonly t: number;
  readonly pools: Record<string, { running: Record<SlotType, number>; pending: Record<SlotType, number> }>;
}

export interface PreemptionRecord {
  readonly t: number;
  readonly type: SlotType;
  readonly killed: string[];
  /** Every running attempt of that type when the scheduler chose (to check it took the youngest). */
  readonly running: readonly { attemptId: string; pool: string; start: number }[];
}

/** A job's record in the scheduler (running or ended): times, tasks done, outcome. */
export interface JobRecord {
  readonly id: string;
  readonly name: string;
  readonly pool: string;
  readonly user: string;
  state: 'ended' | 'succeeded' | 'failed';
  error?: string;
  readonly submitTime: number;
  readonly firstTaskAt: number | undefined;
  readonly finishTime: number;
  readonly done: Record<SlotType, number>;
  readonly launched: Record<SlotType, number>;
  readonly dataLocalMaps: number;
}

export interface RunningJobStatus {
  readonly id: string;
  readonly name: string;
  readonly pool: string;
  readonly user: string;
  /** Waiting: over a pool or user maxRunningJobs limit, no slots until a job ends. */
  readonly state: 'running' | 'waiting';
  readonly submitTime: number;
  readonly firstTaskAt: number | undefined;
  readonly queued: Record<SlotType, number>;
  readonly done: Record<SlotType, number>;
  readonly launched: Record<SlotType, number>;
  readonly dataLocalMaps: number;
  readonly blacklisted: readonly string[];
  readonly progress: JobProgress | undefined;
  readonly attempts: readonly { attemptId: string; type: SlotType; host: string; start: number; fraction: number }[];
}

export interface HostStatus {
  readonly name: string;
  readonly address: string;
  readonly down: string | undefined;
  readonly slots: Record<SlotType, number>;
  readonly running: Record<SlotType, number>;
}

/** What `/scheduler.json` serves and `bsctl scheduler status` prints. */
export interface SchedulerStatus {
  readonly now: number;
  readonly allocations: { path: string; loadedAt: number; error?: string } | undefined;
  readonly preemption: boolean;
  readonly totalSlots: Record<SlotType, number>;
  readonly pools: readonly PoolStatus[];
  readonly hosts: readonly HostStatus[];
  readonly jobs: readonly RunningJobStatus[];
  readonly finished: readonly JobRecord[];
  readonly preemptions: readonly PreemptionRecord[];
  readonly history: readonly Sample[];
}

export function schedulerStatus(s: ClusterScheduler, historySince = 0): SchedulerStatus {
  const totalSlots = s.totalSlots();
  const admitted = new Set(s.model.admitted().map((j) => j.id));
  const f = s.allocationsFile;
  return {
    now: Date.now(),
    allocations: f ? { path: f.path, loadedAt: f.loadedAt, ...(f.error ? { error: f.error } : {}) } : undefined,
    preemption: s.preemption,
    totalSlots,
    pools: s.model.status(totalSlots),
    hosts: s.hosts.hosts.map((h) => ({
      name: h.machine.name,
      address: `${h.machine.host}:${h.machine.port}`,
      down: h.down,
      slots: { map: h.machine.mapSlots, reduce: h.machine.reduceSlots },
      running: { ...h.running },
    })),
    jobs: [...s.jobs.values()].map((j) => ({
      id: j.info.id,
      name: j.info.name,
      pool: j.info.pool,
      user: j.info.user,
      state: admitted.has(j.info.id) ? 'running' : 'waiting',
      submitTime: j.submitTime,
      firstTaskAt: j.firstTaskAt,
      queued: { map: j.queued.map.size, reduce: j.queued.reduce.size },
      done: { ...j.done },
      launched: { ...j.launched },
      dataLocalMaps: j.dataLocalMaps,
      blacklisted: [...j.blacklist.machines.keys()],
      progress: j.progress,
      attempts: [...j.running.values()].map((r) => ({ attemptId: r.attempt.spec.attemptId, type: r.attempt.spec.type, host: r.host.machine.name, start: r.start, fraction: r.fraction })),
    })),
    finished: s.finished,
    preemptions: s.preemptions,
    history: s.history.filter((x) => x.t >= historySince),
  };
}
