import type { BadRecord } from '../job/types.ts';
import { BAD_RECORDS_LISTED } from '../task/context.ts';

/** Collects the bad records tasks report, in input order (file, then byte offset). */
export class BadRecordLog {
  private records: BadRecord[] = [];
  count = 0;

  add(records: readonly BadRecord[] | undefined, counted: number): void {
    this.count += counted;
    if (!records?.length) return;
    this.records.push(...records);
    this.records.sort((a, b) => (a.fileIndex ?? 0) - (b.fileIndex ?? 0) || a.path.localeCompare(b.path) || a.offset - b.offset);
    this.records.length = Math.min(this.records.length, BAD_RECORDS_LISTED);
  }

  get listed(): readonly BadRecord[] {
    return this.records;
  }

  /** The report operators read: one line per listed record. */
  format(): string {
    // A record of an HBase table is named by its table and row, not by a byte offset.
    const lines = this.records.map((r) => (r.path.startsWith('hbase://') ? `  ${r.path}: ${r.reason}` : `  ${r.path} at byte ${r.offset}: ${r.reason}`));
    if (this.count > this.records.length) lines.push(`  ... and ${this.count - this.records.length} more`);
    return lines.join('\n');
  }
}

/** The job failed because more records were bad than tolerated; nothing was published. */
export class BadRecordsError extends Error {
  constructor(
    readonly count: number,
    readonly max: number,
    readonly log: BadRecordLog,
  ) {
    super(`${count} bad record(s), more than the ${max} tolerated (--max-bad-records); nothing was published:\n${log.format()}`);
    this.name = 'BadRecordsError';
  }
}
