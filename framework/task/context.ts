import type { Counter, TaskContext } from '../job/types.ts';
import type { CounterMap } from './spec.ts';

/** Counter names Hadoop users know, in their groups. */
export const FRAMEWORK = 'Map-Reduce Framework';
export const FILESYSTEM = 'File System Counters';

/** TaskContext of one attempt; holds its counters. */
export class AttemptContext implements TaskContext {
  readonly counters: CounterMap = {};
  lastProgress = Date.now();

  constructor(
    readonly attemptId: string,
    readonly taskIndex: number,
    readonly conf: Readonly<Record<string, string>>,
  ) {}

  counter(name: string, group = 'user'): Counter {
    const g = (this.counters[group] ??= {});
    g[name] ??= 0;
    return {
      increment: (by = 1) => {
        g[name] = (g[name] ?? 0) + by;
      },
    };
  }

  add(group: string, name: string, by: number): void {
    const g = (this.counters[group] ??= {});
    g[name] = (g[name] ?? 0) + by;
  }

  progress(): void {
    this.lastProgress = Date.now();
  }
}

/** Sum counter maps (job totals). */
export function mergeCounters(into: CounterMap, from: CounterMap): CounterMap {
  for (const [group, names] of Object.entries(from)) {
    const g = (into[group] ??= {});
    for (const [name, v] of Object.entries(names)) g[name] = (g[name] ?? 0) + v;
  }
  return into;
}
