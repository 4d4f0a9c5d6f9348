import { type Host, type SlotType } from '../cluster/hosts.ts';
import type { TaskSpec } from '../task/spec.ts';
import type { AttemptQueue, QueuedAttempt } from './attempt-queue.ts';

/** What a split's block hosts may call a machine. */
export const hostNames = (h: Host): readonly string[] => (h.machine.host === h.machine.name ? [h.machine.host] : [h.machine.host, h.machine.name]);

/** Whether a map's split has a block on machine `h`. */
export const isDataLocal = (spec: TaskSpec, h: Host): boolean => spec.type === 'map' && hostNames(h).some((n) => spec.split.hosts.includes(n));

export interface PlacementContext {
  /** Machines the job may use that are up (free or not). */
  readonly up: readonly Host[];
  /** This job's task failures per machine name. */
  readonly failures: ReadonlyMap<string, number>;
  /** The machine a reduce partition's map outputs are being gathered on, if any. */
  readonly home?: (partition: number) => Host | undefined;
  readonly localityDelayMs: number;
  readonly now: number;
}

/** Delay scheduling's memory: since when the job has passed free slots waiting for a data-local one. */
export interface LocalityWait {
  since: number | undefined;
}

/**
 * Which queued attempt runs on which of the free machines `usable`: a data-local map first; else, while
 * some queued map could still run data-local and the job has waited less than the locality delay,
 * 'wait' (delay scheduling; only a data-local launch resets the wait, as in Hadoop); a reduce on the
 * machine its partition is gathered on; otherwise the oldest attempt on the least busy machine, away
 * from machines where the job's tasks failed. Undefined when nothing is queued or no machine is free.
 */
export function choosePlacement(t: SlotType, queue: AttemptQueue, usable: readonly Host[], ctx: PlacementContext, wait: LocalityWait): { attempt: QueuedAttempt; host: Host } | 'wait' | undefined {
  const first = queue.first();
  if (usable.length === 0 || !first) return undefined;
  if (t === 'map') {
    for (const host of usable) {
      const attempt = queue.localTo(hostNames(host));
      if (attempt) return { attempt, host };
    }
    if (ctx.up.some((h) => queue.localTo(hostNames(h)))) {
      wait.since ??= ctx.now;
      if (ctx.now - wait.since < ctx.localityDelayMs) return 'wait';
    }
  }
  if (t === 'reduce' && ctx.home) {
    for (const attempt of queue.values()) {
      const home = ctx.home(attempt.spec.taskIndex);
      if (home && usable.includes(home) && !ctx.failures.has(home.machine.name)) return { attempt, host: home };
    }
  }
  const score = (h: Host): number => (ctx.failures.get(h.machine.name) ?? 0) * 1000 + h.running.map + h.running.reduce;
  return { attempt: first, host: usable.reduce((a, b) => (score(a) <= score(b) ? a : b)) };
}
