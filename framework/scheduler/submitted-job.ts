import { importJobModuleFresh } from '../cluster/bundle.ts';
import { runOnCluster } from './cluster-runner.ts';
import { AttemptLog, buildOf, errorText, historyConf, type JobHistory } from './history.ts';
import { keepHistory } from './history-store.ts';
import { registerJobModule } from '../task/load-job.ts';
import type { ClusterScheduler } from './cluster-scheduler.ts';
import type { JobProgress } from '../runner/options.ts';
import type { JobReport } from '../runner/driver.ts';
import type { AttemptRecord } from '../runner/attempt-record.ts';
import { submittedOptions, type JobEvent, type SubmitRequest } from './protocol.ts';

const PROGRESS_EVERY_MS = 250;
const MAX_EVENTS = 10_000;

/** What follows the daemon's jobs (its metrics). */
export interface JobObserver {
  attemptEnded(record: AttemptRecord): void;
  jobEnded(record: JobHistory): void;
}

/**
 * A job submitted to the daemon, run by the daemon (the JobTracker role): its driver runs here, its
 * attempts go through the shared scheduler. Events are kept so a client may attach at any time.
 */
export class SubmittedJob {
  readonly events: JobEvent[] = [];
  /** Kills the job, before or after it reached the scheduler (its attempts there)... */
  private readonly kill = new AbortController();
  /** ...and interrupts its driver at once, so killed attempts are not retried (the reason is the job's error). */
  private readonly interrupt = new AbortController();
  private readonly listeners = new Set<(e: JobEvent) => void>();
  private lastProgress = 0;
  /** The job's attempts as they end (its page's timeline, its history record). */
  readonly attempts = new AttemptLog();
  ended = false;

  constructor(
    /** Hadoop-style `job_<daemon start>_<sequence>`, unique within the daemon. */
    readonly id: string,
    readonly request: SubmitRequest,
    private readonly scheduler: ClusterScheduler,
    private readonly log: (line: string) => void,
    /** The daemon's state dir, whose history keeps the job's record (and $BSCTL_HISTORY_DIR), if any. */
    private readonly stateDir?: string,
    /** Told of every attempt and of the job's record at its end (the daemon's metrics). */
    private readonly observer?: JobObserver,
  ) {}

  private emit(e: JobEvent): void {
    // Keep logs and the final event; of progress only the latest matters to a late client.
    if (e.event === 'progress' && this.events.at(-1)?.event === 'progress') this.events[this.events.length - 1] = e;
    else this.events.push(e);
    // A chatty job's log is bounded: a late client gets the first lines and the latest ones.
    if (this.events.length > MAX_EVENTS) this.events.splice(MAX_EVENTS / 2, 1);
    for (const l of this.listeners) l(e);
  }

  /** Replay what happened so far, then follow; returns an unsubscribe function. */
  follow(listener: (e: JobEvent) => void): () => void {
    for (const e of this.events) listener(e);
    if (this.ended) return () => {};
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Kill the job: at once if it reached the scheduler, else as soon as it does. */
  cancel(reason: string): void {
    if (this.kill.signal.aborted) return;
    this.interrupt.abort(new Error(`job killed: ${reason}`));
    this.kill.abort(reason);
  }

  async run(): Promise<void> {
    const r = this.request;
    const startTime = Date.now();
    this.emit({ event: 'accepted', jobId: this.id, pool: r.pool });
    const log = (line: string): void => this.emit({ event: 'log', line });
    try {
      // The job as it is on disk now (the daemon outlives edits of job modules).
      registerJobModule(r.jobModule, await importJobModuleFresh(r.jobModule));
      const clusterOptions = {
        signal: this.kill.signal,
        pool: r.pool,
        user: r.user,
        ...(r.priority !== undefined ? { priority: r.priority } : {}),
        ...(r.taskTimeoutMs !== undefined ? { taskTimeoutMs: r.taskTimeoutMs } : {}),
      };
      const runOptions = {
        ...submittedOptions(r),
        jobId: this.id,
        log,
        signal: this.interrupt.signal,
        onAttempt: (a: AttemptRecord) => {
          this.attempts.add(a);
          this.observer?.attemptEnded(a);
        },
        onProgress: (p: JobProgress) => {
          const now = Date.now();
          if (now - this.lastProgress < PROGRESS_EVERY_MS && p.map.done + p.reduce.done < p.map.total + p.reduce.total) return;
          this.lastProgress = now;
          this.emit({ event: 'progress', progress: p });
        },
      };
      const report = await runOnCluster(this.scheduler, runOptions, clusterOptions);
      this.scheduler.outcome(this.id, 'succeeded');
      this.log(`job ${this.id} succeeded: ${r.output}`);
      await this.record(startTime, { report });
      this.finish({ event: 'succeeded', report });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      await this.record(startTime, { error: err });
      this.scheduler.outcome(this.id, 'failed', message.split('\n')[0]);
      this.log(`job ${this.id} failed: ${message.split('\n')[0]}`);
      this.finish({ event: 'failed', error: message });
    }
  }

  /** The job's history record; one that cannot be written is logged, never the job's failure. */
  private async record(startTime: number, outcome: { report?: JobReport; error?: unknown }): Promise<void> {
    const r = this.request;
    const conf = r.conf ?? {};
    const record: JobHistory = {
      version: 1,
      jobId: this.id,
      name: outcome.report?.jobName ?? r.jobModule,
      command: `submitted to the scheduler daemon: ${r.jobModule}`,
      user: r.user,
      pool: r.pool,
      runner: 'cluster',
      startTime,
      finishTime: Date.now(),
      status: outcome.report ? 'succeeded' : 'failed',
      ...(outcome.error !== undefined ? { error: errorText(outcome.error) } : {}),
      input: r.input,
      output: r.output,
      conf: historyConf(conf),
      ...buildOf(conf, r.output, outcome.report !== undefined),
      ...(outcome.report ? { report: outcome.report } : {}),
      ...this.attempts.fields(),
      ...(r.schedule ? { schedule: { name: r.schedule.name, runId: r.schedule.runId, late: r.schedule.late } } : {}),
    };
    this.observer?.jobEnded(record);
    if (this.stateDir !== undefined) await keepHistory(this.stateDir, record, (line) => this.log(`job ${this.id}: ${line}`));
  }

  private finish(e: JobEvent): void {
    this.emit(e);
    this.ended = true;
    this.listeners.clear();
  }
}
