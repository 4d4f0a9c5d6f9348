import { Gauge, type Registry } from 'prom-client';
import type { SlotType } from '../cluster/hosts.ts';
import type { SchedulerStatus } from './status.ts';

const TYPES: readonly SlotType[] = ['map', 'reduce'];

/**
 * The scheduler's live state as gauges, set from one SchedulerStatus at each scrape: jobs running and
 * waiting, task attempts running, slots, machines, and each pool's min share, fair share, running
 * slots and demand (a pool gone from the allocation file goes from the metrics too).
 */
export class StatusMetrics {
  private readonly jobs: Gauge<'state'>;
  private readonly tasks: Gauge<'type'>;
  private readonly slots: Gauge<'type'>;
  private readonly machines: Gauge<'state'>;
  private readonly pool: Record<'min' | 'fair' | 'running' | 'demand', Gauge<'pool' | 'type'>>;
  private readonly poolJobs: Gauge<'pool' | 'state'>;

  constructor(registry: Registry) {
    const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[]): Gauge<L> => new Gauge({ name, help, labelNames, registers: [registry] });
    this.jobs = gauge('bsctl_jobs', 'Jobs in the scheduler: running (admitted) or waiting (over a maxRunningJobs limit)', ['state']);
    this.tasks = gauge('bsctl_tasks_running', 'Task attempts running on the machines', ['type']);
    this.slots = gauge('bsctl_slots', 'Slots of the cluster (the scheduler\'s total)', ['type']);
    this.machines = gauge('bsctl_machines', 'Machines of the cluster, up or down', ['state']);
    const poolGauge = (what: string, help: string): Gauge<'pool' | 'type'> => gauge(`bsctl_pool_${what}_slots`, help, ['pool', 'type']);
    this.pool = {
      min: poolGauge('min_share', 'The pool\'s min share (minMaps / minReduces of the allocation file)'),
      fair: poolGauge('fair_share', 'The pool\'s fair share of the slots now (weighted water-filling between min share and demand)'),
      running: poolGauge('running', 'Slots the pool\'s task attempts run in'),
      demand: poolGauge('demand', 'Slots the pool\'s jobs could use (running and waiting attempts)'),
    };
    this.poolJobs = gauge('bsctl_pool_jobs', 'The pool\'s jobs, running or waiting', ['pool', 'state']);
  }

  refresh(s: SchedulerStatus): void {
    for (const state of ['running', 'waiting'] as const) this.jobs.set({ state }, s.jobs.filter((j) => j.state === state).length);
    const up = s.hosts.filter((h) => !h.down);
    for (const type of TYPES) {
      this.tasks.set({ type }, s.jobs.reduce((n, j) => n + j.attempts.filter((a) => a.type === type).length, 0));
      this.slots.set({ type }, s.totalSlots[type]);
    }
    this.machines.set({ state: 'up' }, up.length);
    this.machines.set({ state: 'down' }, s.hosts.length - up.length);
    for (const g of [...Object.values(this.pool), this.poolJobs]) g.reset();
    for (const p of s.pools) {
      for (const type of TYPES) {
        this.pool.min.set({ pool: p.name, type }, p.minShare[type]);
        this.pool.fair.set({ pool: p.name, type }, p.fairShare[type]);
        this.pool.running.set({ pool: p.name, type }, p.running[type]);
        this.pool.demand.set({ pool: p.name, type }, p.demand[type]);
      }
      this.poolJobs.set({ pool: p.name, state: 'running' }, p.runningJobs);
      this.poolJobs.set({ pool: p.name, state: 'waiting' }, p.waitingJobs);
    }
  }
}
