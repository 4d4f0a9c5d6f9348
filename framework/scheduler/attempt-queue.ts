import type { AttemptOptions, AttemptProgress } from '../runner/types.ts';
import type { TaskResult, TaskSpec } from '../task/spec.ts';

/** An attempt waiting for a slot. */
export interface QueuedAttempt {
  readonly spec: TaskSpec;
  readonly progress: AttemptProgress;
  readonly options: AttemptOptions;
  readonly queuedAt: number;
  readonly resolve: (r: TaskResult) => void;
  readonly reject: (e: Error) => void;
}

/**
 * One job's attempts of one type waiting for slots, in arrival order, with maps also indexed by the
 * hosts holding their split's block (like Hadoop's per-host cache of pending maps), so finding a
 * data-local attempt for a free machine does not scan the queue.
 */
export class AttemptQueue {
  private readonly items = new Map<string, QueuedAttempt>();
  private readonly byHost = new Map<string, Set<QueuedAttempt>>();

  get size(): number {
    return this.items.size;
  }

  private hostsOf(a: QueuedAttempt): readonly string[] {
    return a.spec.type === 'map' ? a.spec.split.hosts : [];
  }

  add(a: QueuedAttempt): void {
    this.items.set(a.spec.attemptId, a);
    for (const h of this.hostsOf(a)) {
      let set = this.byHost.get(h);
      if (!set) this.byHost.set(h, (set = new Set()));
      set.add(a);
    }
  }

  delete(a: QueuedAttempt): boolean {
    if (!this.items.delete(a.spec.attemptId)) return false;
    for (const h of this.hostsOf(a)) {
      const set = this.byHost.get(h);
      set?.delete(a);
      if (set?.size === 0) this.byHost.delete(h);
    }
    return true;
  }

  get(attemptId: string): QueuedAttempt | undefined {
    return this.items.get(attemptId);
  }

  /** All, oldest first. */
  values(): IterableIterator<QueuedAttempt> {
    return this.items.values();
  }

  /** The oldest attempt. */
  first(): QueuedAttempt | undefined {
    return this.items.values().next().value;
  }

  /** The oldest attempt whose block is on a host named by one of `names`. */
  localTo(names: readonly string[]): QueuedAttempt | undefined {
    let best: QueuedAttempt | undefined;
    for (const n of names) {
      const a = this.byHost.get(n)?.values().next().value;
      if (a && (!best || a.queuedAt < best.queuedAt)) best = a;
    }
    return best;
  }

  /** Remove and return every attempt. */
  drain(): QueuedAttempt[] {
    const all = [...this.items.values()];
    this.items.clear();
    this.byHost.clear();
    return all;
  }
}
