import { XMLBuilder } from 'fast-xml-parser';
import type { Allocations, PoolConfig } from './allocations.ts';

/**
 * The MR1 allocation file bsctl's scheduler reads, as a YARN FairScheduler allocation file, so that one
 * `fair-scheduler.xml` drives both. YARN takes `<queue>` where MR1 says `<pool>`, and has no map and
 * reduce slots: a pool's slots become resources (`slotMb` MB and one vcore a slot), its job limits
 * application limits. What has no YARN counterpart is listed in `notes`.
 */
export interface YarnAllocations {
  readonly xml: string;
  /** What could not be carried over exactly, one line each. */
  readonly notes: readonly string[];
}

const UNLIMITED = Number.MAX_SAFE_INTEGER;
const limited = (n: number): boolean => n < UNLIMITED;

export function yarnAllocations(a: Allocations, opts: { readonly slotMb?: number } = {}): YarnAllocations {
  const slotMb = opts.slotMb ?? 512;
  const notes: string[] = [];
  const resources = (slots: number): string => `${slots * slotMb} mb, ${slots} vcores`;
  const queue = (p: PoolConfig): Record<string, unknown> => {
    const q: Record<string, unknown> = { '@_name': p.name };
    if (p.minMaps || p.minReduces) {
      q.minResources = resources(p.minMaps + p.minReduces);
      notes.push(`pool ${p.name}: minMaps ${p.minMaps} + minReduces ${p.minReduces} → minResources ${q.minResources} (YARN does not tell map containers from reduce ones)`);
    }
    if (limited(p.maxMaps) || limited(p.maxReduces)) {
      if (limited(p.maxMaps) && limited(p.maxReduces)) q.maxResources = resources(p.maxMaps + p.maxReduces);
      notes.push(limited(p.maxMaps) && limited(p.maxReduces) ? `pool ${p.name}: maxMaps + maxReduces → maxResources ${q.maxResources}` : `pool ${p.name}: only one of maxMaps / maxReduces is set: no maxResources (YARN caps containers of any kind)`);
    }
    if (limited(p.maxRunningJobs)) q.maxRunningApps = p.maxRunningJobs;
    q.weight = p.weight;
    q.schedulingPolicy = p.schedulingMode;
    if (limited(p.minSharePreemptionTimeout)) q.minSharePreemptionTimeout = p.minSharePreemptionTimeout;
    return q;
  };
  const pools = [...a.pools.values()];
  const queues = pools.map(queue);
  // YARN places an application that names no queue (or "default") in root.default.
  if (!a.pools.has('default')) queues.unshift({ '@_name': 'default', weight: 1, schedulingPolicy: a.defaultSchedulingMode });
  const top: Record<string, unknown> = { queue: queues };
  const users = [...a.userMaxJobs].map(([name, n]) => ({ '@_name': name, maxRunningApps: n }));
  if (users.length) top.user = users;
  if (limited(a.poolMaxJobsDefault)) top.queueMaxAppsDefault = a.poolMaxJobsDefault;
  if (limited(a.userMaxJobsDefault)) top.userMaxAppsDefault = a.userMaxJobsDefault;
  if (limited(a.defaultMinSharePreemptionTimeout)) top.defaultMinSharePreemptionTimeout = a.defaultMinSharePreemptionTimeout;
  if (limited(a.fairSharePreemptionTimeout)) top.defaultFairSharePreemptionTimeout = a.fairSharePreemptionTimeout;
  top.defaultQueueSchedulingPolicy = a.defaultSchedulingMode;
  // MR1 sends a job without a pool to its user's pool; here to the pool it names, else root.default.
  top.queuePlacementPolicy = { rule: [{ '@_name': 'specified', '@_create': 'false' }, { '@_name': 'default', '@_queue': 'default' }] };
  notes.push("a job naming no pool goes to root.default (MR1: to its user's pool); a pool the file does not declare is not created");
  const xml = new XMLBuilder({ ignoreAttributes: false, format: true, suppressEmptyNode: true }).build({ '?xml': { '@_version': '1.0' }, allocations: top }) as string;
  return { xml, notes };
}
