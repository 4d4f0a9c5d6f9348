import { FRAMEWORK, mergeCounters } from '../task/context.ts';
import type { CounterMap, TaskResult } from '../task/spec.ts';
import { BadRecordLog, BadRecordsError } from './bad-records.ts';
import type { PhaseStats } from './phase.ts';

/**
 * What a job's finished tasks add up to: each task's committed result by task id (a map re-run after
 * its output was lost replaces its own), counts, peak RSS, bad records and counters.
 */
export class JobTally {
  private readonly results = new Map<string, TaskResult>();
  maxTaskRss = 0;
  maps = 0;
  reduces = 0;
  reusedMaps = 0;
  readonly stats: PhaseStats = { speculativeAttempts: 0, killedAttempts: 0 };

  /** `maxBadRecords`: bad records tolerated before the job fails. */
  constructor(private readonly maxBadRecords: number) {}

  done(taskId: string, r: TaskResult): void {
    this.results.set(taskId, r);
    this.maxTaskRss = Math.max(this.maxTaskRss, r.maxRss);
  }

  badRecords(): BadRecordLog {
    const bad = new BadRecordLog();
    for (const r of this.results.values()) bad.add(r.badRecords, r.counters[FRAMEWORK]?.['Bad records'] ?? 0);
    return bad;
  }

  /** Fail the job once more bad records were counted than it tolerates. */
  checkBadRecords(): void {
    const bad = this.badRecords();
    if (bad.count > this.maxBadRecords) throw new BadRecordsError(bad.count, this.maxBadRecords, bad);
  }

  counters(): CounterMap {
    const counters: CounterMap = {};
    for (const r of this.results.values()) mergeCounters(counters, r.counters);
    return counters;
  }
}
