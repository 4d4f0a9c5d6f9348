import fs from 'node:fs';
import path from 'node:path';
import { checkSimpleName } from '../../fs/names.ts';
import type { AttemptRecord } from '../../runner/attempt-record.ts';
import { attemptLogFile, defaultUserLogDir } from '../../runner/userlogs.ts';
import { defaultStateDir, readDaemonInfo, request } from '../../scheduler/client.ts';
import { historyDir, readHistory } from '../../scheduler/history.ts';
import { probableCauseLine } from '../../scheduler/probable-cause.ts';
import type { LogsArgs } from './command.ts';

const when = (t: number | undefined): string => (t ? new Date(t).toISOString().replace(/\.\d+Z$/, 'Z') : '-');

/** An attempt's log: its file here (bsctl run's userlogs or the daemon's), else from the daemon that ran it. */
async function attemptLog(a: AttemptRecord, jobId: string, stateDir: string): Promise<{ from: string; text: string } | undefined> {
  const files = [a.log, attemptLogFile(path.join(stateDir, 'userlogs'), jobId, a.attemptId), attemptLogFile(defaultUserLogDir(), jobId, a.attemptId)];
  for (const f of files) if (f && fs.existsSync(f)) return { from: f, text: fs.readFileSync(f, 'utf8') };
  const url = readDaemonInfo(stateDir)?.url;
  if (!url) return undefined;
  try {
    const res = await request(`${url}/jobs/${encodeURIComponent(jobId)}/attempts/${encodeURIComponent(a.attemptId)}/log`, {}, 10_000, stateDir);
    return { from: `${url} (the daemon's userlogs)`, text: await res.text() };
  } catch {
    return undefined;
  }
}

export async function logsHandler(args: LogsArgs): Promise<number> {
  checkSimpleName(args.job, 'logs JOB');
  if (args.task) checkSimpleName(args.task, '--task');
  if (args.attempt) checkSimpleName(args.attempt, '--attempt');
  const stateDir = path.resolve(args['state-dir'] ?? defaultStateDir());
  const dir = historyDir(stateDir);
  const record = readHistory(dir, (l) => void process.stderr.write(`${l}\n`)).find((r) => r.jobId === args.job);
  if (!record) throw new Error(`logs: no job ${args.job} in ${dir} (a job still running has no record yet: see bsctl scheduler status)`);
  const out: string[] = [];
  const cause = probableCauseLine(record);
  out.push(cause ?? `${record.jobId} ${record.status}: ${record.name}, ${when(record.startTime)} → ${when(record.finishTime)}`);
  const attempts = record.attempts ?? [];
  const failed = attempts.filter((a) => a.status !== 'succeeded');
  let chosen = args.attempt ? attempts.filter((a) => a.attemptId === args.attempt) : args.task ? attempts.filter((a) => a.taskId === args.task) : args.all || failed.length === 0 ? attempts : failed;
  if ((args.attempt || args.task) && chosen.length === 0) throw new Error(`logs: job ${args.job} has no ${args.attempt ? `attempt ${args.attempt}` : `task ${args.task}`} (its attempts: ${[...new Set(attempts.map((a) => a.taskId))].slice(0, 5).join(', ')}${attempts.length > 5 ? ', ...' : ''})`);
  if (attempts.length === 0) out.push('(no task attempts recorded: the job failed before any task ran, or ran through a daemon without attempt records)');
  for (const a of chosen) {
    const log = await attemptLog(a, record.jobId, stateDir);
    const took = a.start !== undefined ? ` ${((a.end - a.start) / 1000).toFixed(1)} s` : '';
    out.push(`== ${a.attemptId} (${a.type}, ${a.machine || 'never started'}, ${a.status}${a.exit ? `, exit ${a.exit.signal ?? a.exit.code}` : ''}, ${when(a.start ?? a.launched)}${took})${a.split ? ` split ${a.split}` : ''}`);
    if (a.error) out.push(`error: ${a.error}`);
    out.push(log ? `-- log ${log.from}\n${log.text.trimEnd() || '(empty)'}` : '-- no log (the attempt wrote nothing to stderr, or its log is older than 24 h; the inline runner keeps none)');
  }
  process.stdout.write(`${out.join('\n')}\n`);
  return 0;
}
