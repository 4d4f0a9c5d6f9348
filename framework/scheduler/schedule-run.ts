import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readHistory } from './history.ts';
import { SCHEDULE_RUN_ENV, type ScheduleMark, type ScheduleRun, type ScheduleSpec } from './schedule-types.ts';

const BSCTL_BIN = fileURLToPath(new URL('../../bin/bsctl.js', import.meta.url));

/** Where a schedule's runs send their jobs. */
export interface RunTarget {
  readonly stateDir: string;
  /** The daemon's address and cluster config, when it has machines: runs submit their jobs to it. */
  readonly daemonUrl?: string;
  readonly clusterFile?: string;
  /** The pool of a schedule without one (the daemon's user). */
  readonly defaultPool: string;
}

/**
 * The command line a schedule runs: its `run ...`, sent to this daemon's pools when the daemon has
 * machines and the schedule names no runner of its own (else the local runner, bsctl run's default).
 */
export function scheduledArgs(spec: ScheduleSpec, target: RunTarget): string[] {
  const args = [...spec.args];
  const namesRunner = args.some((a) => a === '--runner' || a.startsWith('--runner='));
  if (target.clusterFile && target.daemonUrl && !namesRunner) {
    args.push('--runner', 'cluster', '--cluster', target.clusterFile, '--scheduler', target.daemonUrl, '--pool', spec.pool ?? target.defaultPool);
  }
  return args;
}

/** Start a run: `bsctl <args>` as a child, its output in the run's log, its mark in its environment. */
export function launchRun(spec: ScheduleSpec, run: ScheduleRun, target: RunTarget): { child: ChildProcess; exited: Promise<{ code: number | null; signal: string | null }> } {
  const out = fs.openSync(run.log, 'a', 0o600);
  const mark: ScheduleMark = { name: spec.name, runId: run.runId, late: run.late };
  fs.writeSync(out, `# ${new Date(run.start).toISOString()} schedule ${spec.name} (${run.trigger}${run.late ? ', late' : ''}, for ${new Date(run.scheduledFor).toISOString()}): bsctl ${spec.args.join(' ')}\n`);
  const child = spawn(process.execPath, [BSCTL_BIN, ...scheduledArgs(spec, target)], {
    cwd: spec.cwd,
    stdio: ['ignore', out, out],
    env: { ...process.env, NO_COLOR: '1', BSCTL_SCHEDULER_DIR: target.stateDir, [SCHEDULE_RUN_ENV]: JSON.stringify(mark) },
  });
  fs.closeSync(out);
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => {
    child.once('error', () => resolve({ code: null, signal: 'spawn failed' }));
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  return { child, exited };
}

const JOB_ID = /\bjob_\d{12,14}_[0-9a-f]{8}\b|\bjob_\d{14}_\d{4}\b/g;

/**
 * A run's outcome from its exit and log: succeeded on exit 0; else failed with the first `bsctl:` line
 * (the CLI's error) as the reason. Its jobs: the history records marked with its run id, else the job
 * ids its log names.
 */
export function finishRun(run: ScheduleRun, exit: { code: number | null; signal: string | null }, historyDir: string): void {
  let text = '';
  try {
    text = fs.readFileSync(run.log, 'utf8');
  } catch {
    // no log: the reason says what we know
  }
  const marked = readHistory(historyDir, () => {})
    .filter((h) => h.schedule?.runId === run.runId)
    .map((h) => h.jobId)
    .reverse();
  run.jobIds = marked.length ? marked : [...new Set(text.match(JOB_ID) ?? [])];
  run.end = Date.now();
  run.exitCode = exit.code ?? undefined;
  if (exit.code === 0) {
    run.outcome = 'succeeded';
    return;
  }
  run.outcome = 'failed';
  const error = text.split('\n').find((l) => l.startsWith('bsctl:'));
  run.reason = error?.replace(/^bsctl:\s*(error:\s*)?/, '') ?? (exit.signal ? `the run was stopped by ${exit.signal}` : `exit code ${exit.code}`);
}
