import { collectDefaultMetrics, Counter, Registry } from 'prom-client';
import type { AttemptRecord } from '../runner/attempt-record.ts';
import { FILESYSTEM } from '../task/context.ts';
import type { JobHistory } from './history.ts';
import { BuildMetrics } from './metrics-builds.ts';
import { ScheduleMetrics } from './metrics-schedules.ts';
import { StatusMetrics } from './metrics-status.ts';
import type { ScheduleRun, ScheduleView } from './schedule-types.ts';
import type { SchedulerStatus } from './status.ts';

/** What the daemon's metrics read at scrape time. */
export interface MetricsSources {
  readonly status: () => SchedulerStatus;
  readonly schedules: () => readonly ScheduleView[];
}

/** One metric with its values, as the registry gives them (the Ganglia sink's input). */
export type MetricSnapshot = Awaited<ReturnType<Registry['getMetricsAsJSON']>>[number];

/**
 * The daemon's metrics, in a prom-client registry of their own (`/metrics`, Prometheus text format;
 * the Ganglia sink sends the same values), all named `bsctl_...`:
 * - counters of what ended, told by the daemon: jobs by status, task attempts by type and status (and
 *   the speculative ones), bytes read and written (the ended jobs' `File System Counters`), bytes
 *   shuffled (each succeeded reduce attempt's input: the map output segments it fetched, counted as
 *   the attempt ends, also for a job that fails later), bad records (the jobs' reports);
 * - full builds per table (metrics-builds.ts), schedules (metrics-schedules.ts);
 * - gauges read from the scheduler at each scrape (metrics-status.ts): jobs running / waiting, tasks
 *   running, slots, machines, pools' min share, fair share, running slots and demand;
 * - the process's own (prom-client's default metrics, `bsctl_process_...`, `bsctl_nodejs_...`).
 * Bytes read / written and bad records come from a job's report, so only a job that succeeded adds them.
 */
export class DaemonMetrics {
  readonly registry = new Registry();
  readonly contentType = this.registry.contentType;
  private readonly jobs: Counter<'status'>;
  private readonly attempts: Counter<'type' | 'status'>;
  private readonly speculative: Counter<'type'>;
  private readonly bytes: Record<'read' | 'written' | 'shuffled', Counter>;
  private readonly badRecords: Counter;
  private readonly status = new StatusMetrics(this.registry);
  private readonly builds = new BuildMetrics(this.registry);
  private readonly schedules = new ScheduleMetrics(this.registry);

  constructor(readonly sources: MetricsSources) {
    const registers = [this.registry];
    this.jobs = new Counter({ name: 'bsctl_jobs_ended_total', help: 'Jobs ended, by status', labelNames: ['status'], registers });
    this.attempts = new Counter({ name: 'bsctl_task_attempts_total', help: 'Task attempts ended, by type and status (succeeded, failed, killed)', labelNames: ['type', 'status'], registers });
    this.speculative = new Counter({ name: 'bsctl_task_attempts_speculative_total', help: 'Speculative task attempts ended (any status), by type', labelNames: ['type'], registers });
    const bytes = (what: string, help: string): Counter => new Counter({ name: `bsctl_bytes_${what}_total`, help, registers });
    this.bytes = {
      read: bytes('read', 'Bytes the succeeded jobs read (File System Counters: Bytes read)'),
      written: bytes('written', 'Bytes the succeeded jobs wrote (File System Counters: Bytes written)'),
      shuffled: bytes('shuffled', 'Map output bytes fetched by reduce attempts that succeeded'),
    };
    this.badRecords = new Counter({ name: 'bsctl_bad_records_total', help: 'Bad records the succeeded jobs skipped', registers });
    // Every label set exists from the start (a rate over a counter that appears late misses its first step).
    for (const status of ['succeeded', 'failed']) this.jobs.inc({ status }, 0);
    for (const type of ['map', 'reduce']) {
      for (const status of ['succeeded', 'failed', 'killed']) this.attempts.inc({ type, status }, 0);
      this.speculative.inc({ type }, 0);
    }
    collectDefaultMetrics({ register: this.registry, prefix: 'bsctl_' });
  }

  /** A job (or build) ended: its history record. */
  jobEnded(record: JobHistory): void {
    this.jobs.inc({ status: record.status });
    this.builds.ended(record);
    const report = record.report;
    if (!report) return;
    const fs = report.counters[FILESYSTEM] ?? {};
    this.bytes.read.inc(fs['Bytes read'] ?? 0);
    this.bytes.written.inc(fs['Bytes written'] ?? 0);
    this.badRecords.inc(report.badRecordCount);
  }

  /** A task attempt ended. */
  attemptEnded(record: AttemptRecord): void {
    this.attempts.inc({ type: record.type, status: record.status });
    if (record.speculative) this.speculative.inc({ type: record.type });
    if (record.type === 'reduce' && record.status === 'succeeded') this.bytes.shuffled.inc(record.bytesIn);
  }

  /** A schedule's run started (lateness: start − scheduled fire time) or was skipped. */
  scheduleRun(run: ScheduleRun): void {
    this.schedules.run(run);
  }

  /** The gauges read from the scheduler and the schedules, as they are now. */
  private refresh(): void {
    this.status.refresh(this.sources.status());
    this.schedules.refresh(this.sources.schedules());
  }

  /** The Prometheus text format (`GET /metrics`). */
  async render(): Promise<string> {
    this.refresh();
    return this.registry.metrics();
  }

  /** Every metric with its values (the Ganglia sink's). */
  async snapshot(): Promise<MetricSnapshot[]> {
    this.refresh();
    return this.registry.getMetricsAsJSON();
  }
}
