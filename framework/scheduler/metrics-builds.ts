import { Counter, Gauge, type Registry } from 'prom-client';
import type { JobHistory } from './history.ts';

/**
 * Full builds per table, from the history records of the daemon's jobs that carry a `table`: builds
 * ended by status, and of the last one that succeeded its duration, end time and the generation it
 * published (what an alert on "no fresh index since yesterday" watches).
 */
export class BuildMetrics {
  private readonly builds: Counter<'table' | 'status'>;
  private readonly duration: Gauge<'table'>;
  private readonly lastSuccess: Gauge<'table'>;
  private readonly generation: Gauge<'table'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.builds = new Counter({ name: 'bsctl_builds_total', help: 'Full builds ended, by table and status', labelNames: ['table', 'status'], registers });
    this.duration = new Gauge({ name: 'bsctl_build_duration_seconds', help: 'Duration of the table\'s last successful full build (submit to end)', labelNames: ['table'], registers });
    this.lastSuccess = new Gauge({ name: 'bsctl_build_last_success_timestamp_seconds', help: 'End of the table\'s last successful full build, seconds since the epoch', labelNames: ['table'], registers });
    this.generation = new Gauge({ name: 'bsctl_build_last_generation', help: 'Generation the table\'s last successful full build published', labelNames: ['table'], registers });
  }

  ended(r: JobHistory): void {
    if (!r.table) return;
    const table = r.table;
    this.builds.inc({ table, status: r.status });
    if (r.status !== 'succeeded') return;
    this.duration.set({ table }, (r.finishTime - r.startTime) / 1000);
    this.lastSuccess.set({ table }, r.finishTime / 1000);
    if (r.generation !== undefined) this.generation.set({ table }, r.generation);
  }
}
