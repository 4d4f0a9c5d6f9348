import type { AttemptRecord } from '../../runner/attempt-record.ts';
import type { JobReport } from '../../runner/driver.ts';
import type { JobProgress } from '../../runner/options.ts';
import type { JobHistory } from '../history.ts';
import type { RunningJobStatus } from '../status.ts';
import type { SubmittedJob } from '../submitted-job.ts';
import { readHistoryRecord } from './history-query.ts';
import type { RunningAttempt } from './timeline-svg.ts';

/** What a job's page shows, from the daemon (a job it runs or ran lately) or from history (older ones). */
export interface JobView {
  readonly id: string;
  readonly name: string;
  /** starting: accepted, not in the scheduler yet (its module is being bundled). */
  readonly state: 'starting' | 'waiting' | 'running' | 'succeeded' | 'failed';
  readonly source: 'daemon' | 'history';
  readonly user: string;
  readonly pool: string | undefined;
  readonly command: string | undefined;
  readonly input: readonly string[];
  readonly output: string;
  readonly startTime: number | undefined;
  readonly finishTime: number | undefined;
  readonly table: string | undefined;
  readonly generation: number | undefined;
  readonly progress: JobProgress | undefined;
  readonly report: JobReport | undefined;
  /** The whole error (the daemon's), or its first lines (history's). */
  readonly error: string | undefined;
  readonly attempts: readonly AttemptRecord[];
  readonly attemptsDropped: number;
  /** Attempts running now (the scheduler's). */
  readonly running: readonly RunningAttempt[];
  /** The job's log lines (a daemon job's). */
  readonly log: readonly string[];
}

function fromHistory(r: JobHistory): JobView {
  return {
    id: r.jobId,
    name: r.name,
    state: r.status,
    source: 'history',
    user: r.user,
    pool: r.pool,
    command: r.command,
    input: r.input,
    output: r.output,
    startTime: r.startTime,
    finishTime: r.finishTime,
    table: r.table,
    generation: r.generation,
    progress: undefined,
    report: r.report,
    error: r.error,
    attempts: r.attempts ?? [],
    attemptsDropped: r.attemptsDropped ?? 0,
    running: [],
    log: [],
  };
}

function fromDaemon(job: SubmittedJob, live: RunningJobStatus | undefined, record: JobHistory | undefined): JobView {
  let progress: JobProgress | undefined;
  let report: JobReport | undefined;
  let error: string | undefined;
  const log: string[] = [];
  for (const e of job.events) {
    if (e.event === 'progress') progress = e.progress;
    else if (e.event === 'succeeded') report = e.report;
    else if (e.event === 'failed') error = e.error;
    else if (e.event === 'log') log.push(e.line);
  }
  const state = job.ended ? (report ? 'succeeded' : 'failed') : (live?.state ?? 'starting');
  const r = job.request;
  return {
    id: job.id,
    name: report?.jobName ?? record?.name ?? live?.name ?? r.jobModule,
    state,
    source: 'daemon',
    user: r.user,
    pool: r.pool,
    command: record?.command ?? `submitted to the scheduler daemon: ${r.jobModule}`,
    input: r.input,
    output: r.output,
    startTime: record?.startTime ?? live?.submitTime,
    finishTime: record?.finishTime,
    table: record?.table ?? r.conf?.['fullbuild.table'],
    generation: record?.generation,
    progress: live?.progress ?? progress,
    report,
    error,
    attempts: job.attempts.records,
    attemptsDropped: job.attempts.dropped,
    running: job.ended ? [] : (live?.attempts ?? []),
    log,
  };
}

/** The job `id`: the daemon's own (live or lately ended), else its history record; undefined if neither. */
export function jobView(id: string, sources: { job: (id: string) => SubmittedJob | undefined; running: readonly RunningJobStatus[]; historyDir: string }): JobView | undefined {
  const job = sources.job(id);
  if (job) return fromDaemon(job, sources.running.find((j) => j.id === id), job.ended ? readHistoryRecord(sources.historyDir, id) : undefined);
  const record = readHistoryRecord(sources.historyDir, id);
  return record ? fromHistory(record) : undefined;
}
