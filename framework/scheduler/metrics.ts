import type { AttemptRecord } from '../runner/attempt-record.ts';
import type { JobHistory } from './history.ts';
import type { ScheduleRun, ScheduleView } from './schedule-types.ts';
import type { SchedulerStatus } from './status.ts';

/** What the daemon's metrics read at scrape time. */
export interface MetricsSources {
  readonly status: () => SchedulerStatus;
  readonly schedules: () => readonly ScheduleView[];
}

/**
 * The daemon's metrics (Prometheus text format at `/metrics`, and the Ganglia sink's values).
 * STUB: to be implemented with prom-client.
 */
export class DaemonMetrics {
  readonly contentType = 'text/plain; version=0.0.4; charset=utf-8';
  constructor(readonly sources: MetricsSources) {}
  /** A job (or build) ended: its history record. */
  jobEnded(_record: JobHistory): void {}
  /** A task attempt ended. */
  attemptEnded(_record: AttemptRecord): void {}
  /** A schedule's run started (lateness: start − scheduled fire time) or was skipped. */
  scheduleRun(_run: ScheduleRun): void {}
  async render(): Promise<string> {
    return '';
  }
}
