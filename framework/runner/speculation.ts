/**
 * Speculative execution (Hadoop MR1): a straggler, i.e. a task whose only attempt has run for a while
 * but whose progress is well behind the phase's, gets one extra attempt; the first to finish wins.
 */

/** When to speculate (RunOptions.speculation). */
export interface SpeculationOptions {
  /** Default: on for the local and cluster runners, off for the inline runner. */
  readonly enabled?: boolean;
  /** An attempt runs at least this long before it can be speculated, ms (default 60 000). */
  readonly minRunMs?: number;
  /** How far below the phase's average progress a straggler is, 0..1 (default 0.2). */
  readonly lag?: number;
}

export type Speculation = Required<SpeculationOptions>;

export function resolveSpeculation(options: SpeculationOptions | undefined, runnerName: string): Speculation {
  return {
    enabled: options?.enabled ?? runnerName !== 'inline',
    minRunMs: options?.minRunMs ?? 60_000,
    lag: options?.lag ?? 0.2,
  };
}

/** What the phase knows of one running attempt. */
export interface AttemptView {
  readonly progress: number;
  /** Since when it has run (onStart, or launch for runners that report no starts); undefined: queued. */
  readonly runningSince: number | undefined;
  readonly speculative: boolean;
}

export interface TaskView {
  readonly done: boolean;
  /** It had its speculative attempt already (one per task). */
  readonly speculated: boolean;
  readonly attempts: readonly AttemptView[];
}

export interface Straggler {
  readonly index: number;
  readonly progress: number;
  readonly average: number;
  readonly ranMs: number;
}

/**
 * The tasks to speculate now, slowest first. The average is over all the phase's tasks (done ones
 * count 1), as Hadoop's: over running attempts only, the last straggler would be its own average.
 * Speculative attempts running at once stay within max(1, 10% of running attempts) and `freeSlots`.
 */
export function pickStragglers(tasks: readonly TaskView[], now: number, spec: Speculation, freeSlots: number): Straggler[] {
  if (!spec.enabled || tasks.length === 0) return [];
  const progressOf = (t: TaskView): number => (t.done ? 1 : Math.max(0, ...t.attempts.map((a) => a.progress)));
  const average = tasks.reduce((sum, t) => sum + progressOf(t), 0) / tasks.length;
  const running = tasks.flatMap((t) => t.attempts).filter((a) => a.runningSince !== undefined);
  const speculating = running.filter((a) => a.speculative).length;
  const room = Math.min(freeSlots, Math.max(1, Math.floor(running.length / 10)) - speculating);
  if (room <= 0) return [];
  const stragglers: Straggler[] = [];
  tasks.forEach((t, index) => {
    const a = t.attempts[0];
    if (t.done || t.speculated || t.attempts.length !== 1 || a?.runningSince === undefined) return;
    const ranMs = now - a.runningSince;
    if (ranMs >= spec.minRunMs && a.progress < average - spec.lag) stragglers.push({ index, progress: a.progress, average, ranMs });
  });
  return stragglers.sort((x, y) => x.progress - y.progress).slice(0, room);
}
