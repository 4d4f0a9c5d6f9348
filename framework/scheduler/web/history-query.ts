import fs from 'node:fs';
import path from 'node:path';
import { checkTableName } from '../../fs/names.ts';
import type { JobHistory } from '../history.ts';
import { parseDuration } from '../duration.ts';

/** A bad query parameter: the page answers 400 with this message. */
export class BadQuery extends Error {}

/** The history page's filters (query parameters `table`, `failed`, `since`). */
export interface HistoryFilter {
  readonly table?: string;
  readonly failed: boolean;
  /** Only jobs started at or after this time (ms since the epoch). */
  readonly since?: number;
  /** As given, to show in the form. */
  readonly sinceText?: string;
}

/** `since=`: a duration back from now (30m, 12h, 7d, as `bsctl history --since`) or a date (2024-05-01, ISO). */
export function parseSince(text: string, now: number): number {
  if (/^\d/.test(text.trim()) && !/^\d{4}-/.test(text.trim())) {
    try {
      return now - parseDuration(text, 'since');
    } catch (err) {
      throw new BadQuery((err as Error).message);
    }
  }
  const t = /^\d{4}-\d{2}-\d{2}([T ][\d:.]+Z?)?$/.test(text.trim()) ? Date.parse(text.trim()) : NaN;
  if (Number.isNaN(t)) throw new BadQuery(`since: "${text}" is not a duration like 30m, 12h or 7d, nor a date like 2024-05-01`);
  return t;
}

export function parseHistoryFilter(q: URLSearchParams, now: number): HistoryFilter {
  const table = q.get('table')?.trim() || undefined;
  if (table) {
    try {
      checkTableName(table, 'table');
    } catch (err) {
      throw new BadQuery((err as Error).message);
    }
  }
  const failed = q.get('failed');
  if (failed !== null && !['', '0', '1', 'on', 'true', 'false'].includes(failed)) throw new BadQuery(`failed: "${failed}" is not 1 or 0`);
  const sinceText = q.get('since')?.trim() || undefined;
  return {
    ...(table ? { table } : {}),
    failed: failed !== null && ['1', 'on', 'true'].includes(failed),
    ...(sinceText ? { since: parseSince(sinceText, now), sinceText } : {}),
  };
}

export function filterHistory(records: readonly JobHistory[], f: HistoryFilter): JobHistory[] {
  return records.filter((r) => (!f.table || r.table === f.table) && (!f.failed || r.status === 'failed') && (f.since === undefined || r.startTime >= f.since));
}

const JOB_ID = /^job_[A-Za-z0-9_]+$/;

/** One job's history record (`<dir>/<id>.json`), or undefined when there is none or it is not a record. */
export function readHistoryRecord(dir: string, id: string): JobHistory | undefined {
  if (!JOB_ID.test(id)) return undefined;
  try {
    const r = JSON.parse(fs.readFileSync(path.join(dir, `${id}.json`), 'utf8')) as Partial<JobHistory>;
    return r.version === 1 && r.jobId === id ? (r as JobHistory) : undefined;
  } catch {
    return undefined;
  }
}
