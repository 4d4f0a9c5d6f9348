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

/** How a run's process ended (`error`: it could not be started, or was left by a previous daemon). */
export interface RunExit {
  readonly code: number | null;
  readonly signal: string | null;
  readonly error?: string;
}

/** Whether `args` (a `run ...`) sets the flag `--name` (as `--name V` or `--name=V`). */
export const setsFlag = (args: readonly string[], name: string): boolean => args.some((a) => a === `--${name}` || a.startsWith(`--${name}=`));

/**
 * The command line a schedule runs: its `run ...`, sent to this daemon's pools when the daemon has
 * machines and the schedule names no runner of its own (else the local runner, bsctl run's default);
 * a flag the command sets itself is never added a second time.
 */
export function scheduledArgs(spec: ScheduleSpec, target: RunTarget): string[] {
  const args = [...spec.args];
  if (!target.clusterFile || !target.daemonUrl || setsFlag(args, 'runner')) return args;
  const add = (name: string, value: string): void => void (setsFlag(args, name) || args.push(`--${name}`, value));
  add('runner', 'cluster');
  add('cluster', target.clusterFile);
  add('scheduler', target.daemonUrl);
  add('pool', spec.pool ?? target.defaultPool);
  return args;
}

/** Start a run: `bsctl <args>` as a child, its output in the run's log, its mark in its environment. */
export function launchRun(spec: ScheduleSpec, run: ScheduleRun, target: RunTarget): { child: ChildProcess; exited: Promise<RunExit> } {
  const out = fs.openSync(run.log, 'a', 0o600);
  const mark: ScheduleMark = { name: spec.name, runId: run.runId, late: run.late };
  let child: ChildProcess;
  try {
    fs.writeSync(out, `# ${new Date(run.start).toISOString()} schedule ${spec.name} (${run.trigger}${run.late ? ', late' : ''}, for ${new Date(run.scheduledFor).toISOString()}): bsctl ${spec.args.join(' ')}\n`);
    child = spawn(process.execPath, [BSCTL_BIN, ...scheduledArgs(spec, target)], {
      cwd: spec.cwd,
      stdio: ['ignore', out, out],
      env: { ...process.env, NO_COLOR: '1', BSCTL_SCHEDULER_DIR: target.stateDir, [SCHEDULE_RUN_ENV]: JSON.stringify(mark) },
    });
  } finally {
    fs.closeSync(out);
  }
  if (child.pid !== undefined) run.pid = child.pid;
  const exited = new Promise<RunExit>((resolve) => {
    child.once('error', (err) => resolve({ code: null, signal: null, error: `cannot start \`bsctl run\` in ${spec.cwd}: ${err.message}` }));
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  return { child, exited };
}

/** True while `pid` is the `bsctl run` of this run (its environment carries the run's mark). */
function isRunProcess(pid: number, runId: string): boolean {
  try {
    const env = fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    return env.some((v) => v.startsWith(`${SCHEDULE_RUN_ENV}=`) && v.includes(JSON.stringify(runId)));
  } catch {
    return false;
  }
}

/**
 * A run a previous daemon left going (it was killed, its child was not): when its process still runs,
 * follow it to its end (polled) so no second run of the schedule starts meanwhile; else undefined.
 */
export function adoptRun(run: ScheduleRun): { stop: () => void; ended: Promise<RunExit> } | undefined {
  const pid = run.pid;
  if (pid === undefined || !isRunProcess(pid, run.runId)) return undefined;
  const ended = new Promise<RunExit>((resolve) => {
    const timer = setInterval(() => {
      if (isRunProcess(pid, run.runId)) return;
      clearInterval(timer);
      resolve({ code: null, signal: null, error: 'adopted' });
    }, 1000);
    timer.unref();
  });
  return { stop: () => void process.kill(pid, 'SIGTERM'), ended };
}

const JOB_ID = /\bjob_\d{12,14}_[0-9a-f]{8}\b|\bjob_\d{14}_\d{4}\b/g;

/**
 * A run's outcome from its exit and log: succeeded on exit 0; else failed with the first `bsctl:` line
 * (the CLI's error) as the reason. Its jobs: the history records marked with its run id, else the job
 * ids its log names. A run a restarted daemon adopted has no exit code: it succeeded when its jobs did.
 */
export function finishRun(run: ScheduleRun, exit: RunExit, historyDir: string): void {
  let text = '';
  try {
    text = fs.readFileSync(run.log, 'utf8');
  } catch {
    // no log: the reason says what we know
  }
  const marked = readHistory(historyDir, () => {})
    .filter((h) => h.schedule?.runId === run.runId)
    .reverse();
  run.jobIds = marked.length ? marked.map((h) => h.jobId) : [...new Set(text.match(JOB_ID) ?? [])];
  run.end = Date.now();
  delete run.pid;
  if (exit.code !== null) run.exitCode = exit.code;
  const error = text.split('\n').find((l) => l.startsWith('bsctl:'));
  if (exit.error === 'adopted') {
    const ok = marked.length > 0 && marked.every((h) => h.status === 'succeeded') && !error;
    run.outcome = ok ? 'succeeded' : 'failed';
    if (!ok) run.reason = `the scheduler daemon restarted during this run; ${error?.replace(/^bsctl:\s*(error:\s*)?/, '') ?? 'it left no record of success'}`;
    return;
  }
  if (exit.code === 0) {
    run.outcome = 'succeeded';
    return;
  }
  run.outcome = 'failed';
  run.reason = exit.error ?? error?.replace(/^bsctl:\s*(error:\s*)?/, '') ?? (exit.signal ? `the run was stopped by ${exit.signal}` : `exit code ${exit.code}`);
}
