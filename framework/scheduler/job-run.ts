import { ClusterRunner } from '../cluster/runner.ts';
import { newJobId, runJob } from '../runner/driver.ts';
import type { ClusterScheduler } from './cluster-scheduler.ts';
import { submittedOptions, type JobEvent, type SubmitRequest } from './protocol.ts';

const PROGRESS_EVERY_MS = 250;

/**
 * A job submitted to the daemon, run by the daemon (the JobTracker role): its driver runs here, its
 * attempts go through the shared scheduler. Events are kept so a client may attach at any time.
 */
export class JobRun {
  readonly id = newJobId();
  readonly events: JobEvent[] = [];
  private readonly listeners = new Set<(e: JobEvent) => void>();
  private lastProgress = 0;
  ended = false;

  constructor(
    readonly request: SubmitRequest,
    private readonly scheduler: ClusterScheduler,
    private readonly log: (line: string) => void,
  ) {}

  private emit(e: JobEvent): void {
    // Keep logs and the final event; of progress only the latest matters to a late client.
    if (e.event === 'progress' && this.events.at(-1)?.event === 'progress') this.events[this.events.length - 1] = e;
    else this.events.push(e);
    for (const l of this.listeners) l(e);
  }

  /** Replay what happened so far, then follow; returns an unsubscribe function. */
  follow(listener: (e: JobEvent) => void): () => void {
    for (const e of this.events) listener(e);
    if (this.ended) return () => {};
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async run(): Promise<void> {
    const r = this.request;
    this.emit({ event: 'accepted', jobId: this.id, pool: r.pool });
    const log = (line: string): void => this.emit({ event: 'log', line });
    const runner = new ClusterRunner(this.scheduler, log, {
      pool: r.pool,
      user: r.user,
      ...(r.priority !== undefined ? { priority: r.priority } : {}),
      ...(r.taskTimeoutMs !== undefined ? { taskTimeoutMs: r.taskTimeoutMs } : {}),
    });
    try {
      const report = await runJob({
        ...submittedOptions(r),
        jobId: this.id,
        runner,
        log,
        onProgress: (p) => {
          if (runner.job) runner.job.progress = p;
          const now = Date.now();
          if (now - this.lastProgress < PROGRESS_EVERY_MS && p.map.done + p.reduce.done < p.map.total + p.reduce.total) return;
          this.lastProgress = now;
          this.emit({ event: 'progress', progress: p });
        },
      });
      this.scheduler.outcome(this.id, 'succeeded');
      this.log(`job ${this.id} succeeded: ${r.output}`);
      this.finish({ event: 'succeeded', report });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.scheduler.outcome(this.id, 'failed', message.split('\n')[0]);
      this.log(`job ${this.id} failed: ${message.split('\n')[0]}`);
      this.finish({ event: 'failed', error: message });
    }
  }

  private finish(e: JobEvent): void {
    this.emit(e);
    this.ended = true;
    this.listeners.clear();
  }
}
