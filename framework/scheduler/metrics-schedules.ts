import { Counter, Gauge, type Registry } from 'prom-client';
import type { ScheduleRun, ScheduleView } from './schedule-types.ts';

const lateness = (r: ScheduleRun): number => Math.max(0, r.start - r.scheduledFor) / 1000;

/**
 * The daemon's schedules: how late each one's last run started (start − the fire time it stands for;
 * 0 for a run on time or `run-now`), its skipped runs, and its next fire time. The schedules listed at
 * the scrape are the ones shown; a schedule's last run is the later of the one the daemon reported
 * (scheduleRun) and the one the list holds.
 */
export class ScheduleMetrics {
  private readonly late: Gauge<'schedule'>;
  private readonly skipped: Counter<'schedule'>;
  private readonly next: Gauge<'schedule'>;
  /** Each schedule's last started run, and the last run counted (a run reported twice counts once). */
  private readonly lastStarted = new Map<string, ScheduleRun>();
  private readonly lastSeen = new Map<string, string>();

  constructor(registry: Registry) {
    const registers = [registry];
    this.late = new Gauge({ name: 'bsctl_schedule_lateness_seconds', help: 'How late the schedule\'s last run started: its start less the fire time it stands for', labelNames: ['schedule'], registers });
    this.skipped = new Counter({ name: 'bsctl_schedule_runs_skipped_total', help: 'Runs of the schedule skipped (its previous run still running, or the daemon down past the grace window)', labelNames: ['schedule'], registers });
    this.next = new Gauge({ name: 'bsctl_schedule_next_run_timestamp_seconds', help: 'The schedule\'s next fire time, seconds since the epoch (absent when paused)', labelNames: ['schedule'], registers });
  }

  /** A run started or was skipped. */
  run(r: ScheduleRun): void {
    if (this.lastSeen.get(r.schedule) === r.runId) return;
    this.lastSeen.set(r.schedule, r.runId);
    if (r.outcome === 'skipped') this.skipped.inc({ schedule: r.schedule });
    else this.lastStarted.set(r.schedule, r);
  }

  /** Set from the schedules as they are now (a schedule removed goes from the metrics). */
  refresh(views: readonly ScheduleView[]): void {
    this.late.reset();
    this.next.reset();
    for (const v of views) {
      const listed = v.lastRun && v.lastRun.outcome !== 'skipped' ? v.lastRun : undefined;
      const reported = this.lastStarted.get(v.name);
      const last = listed && (!reported || listed.start > reported.start) ? listed : reported;
      if (last) this.late.set({ schedule: v.name }, lateness(last));
      if (v.nextRun !== undefined) this.next.set({ schedule: v.name }, v.nextRun / 1000);
    }
  }
}
