import os from 'node:os';
import type { JobPlan } from '../../job/cli.ts';
import type { JobReport } from '../../runner/driver.ts';
import { scheduleMarkFromEnv } from '../../scheduler/schedule-types.ts';
import { buildOf, errorText, historyConf, type AttemptLog, type JobHistory } from '../../scheduler/history.ts';
import { keepHistory } from '../../scheduler/history-store.ts';

/** What a finished `bsctl run` (not one following a daemon's job: the daemon records those) leaves in history. */
export interface RunOutcome {
  readonly jobId: string;
  readonly name: string;
  readonly runner: string;
  readonly plan: JobPlan;
  readonly conf: Readonly<Record<string, string>>;
  readonly startTime: number;
  readonly report?: JobReport;
  readonly error?: unknown;
  readonly attempts?: AttemptLog;
}

/** Record the run (the state dir's history, and $BSCTL_HISTORY_DIR's); a history that cannot be written is a warning, never the job's failure. */
export async function recordRun(o: RunOutcome, log: (line: string) => void): Promise<void> {
  const record: JobHistory = {
    version: 1,
    jobId: o.jobId,
    name: o.name,
    command: `bsctl ${process.argv.slice(2).join(' ')}`,
    user: os.userInfo().username,
    runner: o.runner,
    startTime: o.startTime,
    finishTime: Date.now(),
    status: o.report ? 'succeeded' : 'failed',
    ...(o.error !== undefined ? { error: errorText(o.error) } : {}),
    input: o.plan.input,
    output: o.plan.output,
    conf: historyConf(o.conf),
    ...buildOf(o.conf, o.plan.output, o.report !== undefined),
    ...(o.report ? { report: o.report } : {}),
    ...o.attempts?.fields(),
    ...(scheduleMarkFromEnv() ? { schedule: scheduleMarkFromEnv()! } : {}),
  };
  await keepHistory(undefined, record, log);
}
