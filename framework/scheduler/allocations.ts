import fs from 'node:fs';
import { XMLParser, XMLValidator } from 'fast-xml-parser';

export type SchedulingMode = 'fair' | 'fifo';

/** One pool of an MR1 allocation file (hadoop.md "FairScheduler"). */
export interface PoolConfig {
  readonly name: string;
  readonly minMaps: number;
  readonly minReduces: number;
  readonly maxMaps: number;
  readonly maxReduces: number;
  readonly maxRunningJobs: number;
  readonly weight: number;
  readonly schedulingMode: SchedulingMode;
  /** Seconds below min share before this pool may preempt. */
  readonly minSharePreemptionTimeout: number;
}

export interface Allocations {
  readonly pools: ReadonlyMap<string, PoolConfig>;
  readonly userMaxJobs: ReadonlyMap<string, number>;
  readonly poolMaxJobsDefault: number;
  readonly userMaxJobsDefault: number;
  readonly defaultMinSharePreemptionTimeout: number;
  /** Seconds below half the fair share before a pool may preempt up to its fair share. */
  readonly fairSharePreemptionTimeout: number;
  readonly defaultSchedulingMode: SchedulingMode;
}

const UNLIMITED = Number.MAX_SAFE_INTEGER;

/** What a pool gets when the file does not name it (a job's pool defaults to its user's name). */
export function poolConfig(a: Allocations, name: string): PoolConfig {
  return (
    a.pools.get(name) ?? {
      name,
      minMaps: 0,
      minReduces: 0,
      maxMaps: UNLIMITED,
      maxReduces: UNLIMITED,
      maxRunningJobs: a.poolMaxJobsDefault,
      weight: 1,
      schedulingMode: a.defaultSchedulingMode,
      minSharePreemptionTimeout: a.defaultMinSharePreemptionTimeout,
    }
  );
}

export const EMPTY_ALLOCATIONS: Allocations = {
  pools: new Map(),
  userMaxJobs: new Map(),
  poolMaxJobsDefault: UNLIMITED,
  userMaxJobsDefault: UNLIMITED,
  defaultMinSharePreemptionTimeout: UNLIMITED,
  fairSharePreemptionTimeout: UNLIMITED,
  defaultSchedulingMode: 'fair',
};

/** Parse an allocation file's XML; errors name the file and the element. */
export function parseAllocations(xml: string, file: string): Allocations {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new Error(`${file}: invalid XML at line ${valid.err.line}: ${valid.err.msg}`);
  const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', isArray: (n) => n === 'pool' || n === 'user', parseTagValue: false }).parse(xml) as {
    allocations?: Record<string, unknown> | '';
  };
  if (doc.allocations === undefined) throw new Error(`${file}: the root element must be <allocations>`);
  const root = (doc.allocations || {}) as Record<string, unknown>;
  const num = (where: string, v: unknown, dflt: number, min = 0): number => {
    if (v === undefined) return dflt;
    const n = Number(String(v).trim());
    if (!Number.isFinite(n) || n < min) throw new Error(`${file}: ${where}: "${String(v)}" must be a number ≥ ${min}`);
    return n;
  };
  const int = (where: string, v: unknown, dflt: number): number => {
    const n = num(where, v, dflt);
    if (!Number.isInteger(n)) throw new Error(`${file}: ${where}: "${String(v)}" must be a whole number`);
    return n;
  };
  const mode = (where: string, v: unknown, dflt: SchedulingMode): SchedulingMode => {
    if (v === undefined) return dflt;
    const m = String(v).trim().toLowerCase();
    if (m !== 'fair' && m !== 'fifo') throw new Error(`${file}: ${where}: "${String(v)}" must be fair or fifo`);
    return m;
  };
  const poolMaxJobsDefault = int('poolMaxJobsDefault', root.poolMaxJobsDefault, UNLIMITED);
  const defaultMinSharePreemptionTimeout = num('defaultMinSharePreemptionTimeout', root.defaultMinSharePreemptionTimeout, UNLIMITED);
  const defaultSchedulingMode = mode('defaultPoolSchedulingMode', root.defaultPoolSchedulingMode, 'fair');
  const pools = new Map<string, PoolConfig>();
  for (const [i, p] of ((root.pool as Record<string, unknown>[] | undefined) ?? []).entries()) {
    const e = (typeof p === 'object' && p ? p : {}) as Record<string, unknown>;
    const name = e['@name'];
    if (typeof name !== 'string' || !name) throw new Error(`${file}: pool[${i}]: needs a name attribute`);
    const at = (k: string): string => `pool "${name}" <${k}>`;
    pools.set(name, {
      name,
      minMaps: int(at('minMaps'), e.minMaps, 0),
      minReduces: int(at('minReduces'), e.minReduces, 0),
      maxMaps: int(at('maxMaps'), e.maxMaps, UNLIMITED),
      maxReduces: int(at('maxReduces'), e.maxReduces, UNLIMITED),
      maxRunningJobs: int(at('maxRunningJobs'), e.maxRunningJobs, poolMaxJobsDefault),
      weight: num(at('weight'), e.weight, 1),
      schedulingMode: mode(at('schedulingMode'), e.schedulingMode, defaultSchedulingMode),
      minSharePreemptionTimeout: num(at('minSharePreemptionTimeout'), e.minSharePreemptionTimeout, defaultMinSharePreemptionTimeout),
    });
  }
  const userMaxJobsDefault = int('userMaxJobsDefault', root.userMaxJobsDefault, UNLIMITED);
  const userMaxJobs = new Map<string, number>();
  for (const [i, u] of ((root.user as Record<string, unknown>[] | undefined) ?? []).entries()) {
    const e = (typeof u === 'object' && u ? u : {}) as Record<string, unknown>;
    const name = e['@name'];
    if (typeof name !== 'string' || !name) throw new Error(`${file}: user[${i}]: needs a name attribute`);
    userMaxJobs.set(name, int(`user "${name}" <maxRunningJobs>`, e.maxRunningJobs, userMaxJobsDefault));
  }
  return {
    pools,
    userMaxJobs,
    poolMaxJobsDefault,
    userMaxJobsDefault,
    defaultMinSharePreemptionTimeout,
    fairSharePreemptionTimeout: num('fairSharePreemptionTimeout', root.fairSharePreemptionTimeout, UNLIMITED),
    defaultSchedulingMode,
  };
}

export function loadAllocations(file: string): Allocations {
  let xml: string;
  try {
    xml = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`${file}: ${(err as Error).message}`);
  }
  return parseAllocations(xml, file);
}
