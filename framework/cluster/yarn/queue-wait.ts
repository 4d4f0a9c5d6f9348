import type { QueueLoad, ResourceManager } from './resource-manager.ts';

/** States of an application YARN has not started yet (its ApplicationMaster waits for the queue). */
const WAITING = new Set(['NEW', 'NEW_SAVING', 'SUBMITTED', 'ACCEPTED']);

/** How long an application may wait before the user is told (starting an AM takes a few seconds). */
export const WAIT_NOTICE_MS = 5_000;

function limits(load: QueueLoad): string {
  const parts: string[] = [];
  if (load.running !== undefined) parts.push(`${load.running} running${load.maxApps !== undefined && load.maxApps < 2 ** 31 - 1 ? ` of at most ${load.maxApps}` : ''}`);
  if (load.pending !== undefined) parts.push(`${load.pending} pending`);
  return parts.length ? ` (${parts.join(', ')})` : '';
}

/**
 * Tells the user when a step's application waits in its queue — a queue over its limits (maxRunningApps,
 * maxResources) or a full cluster: the job waits, as YARN makes it, and says so once, then once more
 * when it starts.
 */
export class QueueWait {
  private firstSeen: number | undefined;
  private told = false;
  private started = false;

  constructor(
    private readonly rm: Pick<ResourceManager, 'app' | 'queueLoad'>,
    private readonly queue: string,
    private readonly log: (line: string) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** One look at the application; cheap to call every second or so until it runs. */
  async check(appId: string): Promise<void> {
    if (this.started) return;
    const app = await this.rm.app(appId);
    if (!WAITING.has(app.state)) {
      this.started = true;
      if (this.told) this.log(`${appId} is ${app.state} after waiting ${Math.round((this.now() - (this.firstSeen ?? this.now())) / 1000)} s in queue ${this.queue}`);
      return;
    }
    this.firstSeen ??= this.now();
    const waited = this.now() - this.firstSeen;
    if (this.told || waited < WAIT_NOTICE_MS) return;
    this.told = true;
    const load = await this.rm.queueLoad(this.queue).catch(() => ({}));
    const why = app.diagnostics?.trim() ? `; YARN says: ${app.diagnostics.trim().slice(0, 300)}` : '';
    this.log(`${appId} is waiting in queue ${this.queue}${limits(load)}, ${app.state} for ${Math.round(waited / 1000)} s: YARN starts it when the queue is under its limits and the cluster has room${why}`);
  }
}
