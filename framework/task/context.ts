import type { BadRecord, Counter, MapContext, TaskContext } from '../job/types.ts';
import type { CounterMap } from './spec.ts';

/** Counter names Hadoop users know, in their groups. */
export const FRAMEWORK = 'Map-Reduce Framework';
export const FILESYSTEM = 'File System Counters';

/** Bad records listed per task (and per job report); the rest are only counted. */
export const BAD_RECORDS_LISTED = 100;

/** TaskContext of one attempt; holds its counters. */
export class AttemptContext implements TaskContext {
  readonly counters: CounterMap = {};
  readonly badRecords: BadRecord[] = [];
  /** When the last heartbeat went out (0: none yet, so the first is sent at once). */
  lastProgress = 0;

  constructor(
    readonly attemptId: string,
    readonly taskIndex: number,
    readonly conf: Readonly<Record<string, string>>,
  ) {}

  /** Counter objects by group and name: made once (jobs ask for one per record). */
  private readonly made = new Map<string, Map<string, Counter>>();

  counter(name: string, group = 'user'): Counter {
    let byName = this.made.get(group);
    if (!byName) this.made.set(group, (byName = new Map()));
    let c = byName.get(name);
    if (!c) {
      this.add(group, name, 0); // a counter shows in the report once asked for, even at 0
      byName.set(name, (c = { increment: (by = 1) => this.add(group, name, by) }));
    }
    return c;
  }

  add(group: string, name: string, by: number): void {
    const g = (this.counters[group] ??= {});
    g[name] = (g[name] ?? 0) + by;
  }

  badRecord(record: BadRecord): void {
    this.add(FRAMEWORK, 'Bad records', 1);
    if (this.badRecords.length < BAD_RECORDS_LISTED) this.badRecords.push(record);
  }

  /** Set by the task: sends a heartbeat to the runner. */
  heartbeat: (() => void) | undefined;

  progress(): void {
    const now = Date.now();
    // At most one heartbeat a second (callable from tight loops).
    if (now - this.lastProgress < 1000) return;
    this.lastProgress = now;
    this.heartbeat?.();
  }
}

/** A map attempt's context: `write` sends a pair where the task's map output goes (set by the task). */
export class MapAttemptContext extends AttemptContext implements MapContext<unknown, unknown> {
  write: (key: unknown, value: unknown) => void = () => {
    throw new Error('ctx.write was called outside a map function');
  };
}

/** Sum counter maps (job totals). */
export function mergeCounters(into: CounterMap, from: CounterMap): CounterMap {
  for (const [group, names] of Object.entries(from)) {
    const g = (into[group] ??= {});
    for (const [name, v] of Object.entries(names)) g[name] = (g[name] ?? 0) + v;
  }
  return into;
}
