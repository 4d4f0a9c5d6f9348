import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadClusterConfig, type ClusterConfig } from '../../cluster/config.ts';
import { defaultStateDir, fetchStatus, isUp, killJob, readDaemonInfo, shutdown } from '../../scheduler/client.ts';
import { createToken, isLoopback } from '../../scheduler/auth.ts';
import { startDaemon } from '../../scheduler/daemon.ts';
import type { GangliaOptions } from '../../scheduler/ganglia.ts';
import { parseDuration } from '../../scheduler/duration.ts';
import { HISTORY_DIR_ENV, HISTORY_MAX_DAYS_ENV, HISTORY_MAX_JOBS_ENV, historyKeep, sharedHistoryDir } from '../../scheduler/history-store.ts';
import { JOBS_DIR } from '../jobs-dir.ts';
import { formatStatus } from './format.ts';
import { printLoginLink } from './ui.ts';
import type { SchedulerArgs } from './command.ts';
import { loadMapredSite, type FairSchedulerSettings } from '../../scheduler/mapred-site.ts';
import { loadAllocations } from '../../scheduler/allocations.ts';
import { yarnAllocations } from '../../scheduler/yarn-allocations.ts';

const BSCTL_BIN = fileURLToPath(new URL('../../../bin/bsctl.js', import.meta.url));

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function stamp(line: string): string {
  return `${new Date().toISOString()} ${line}\n`;
}

async function daemonUrl(args: SchedulerArgs, stateDir: string): Promise<string> {
  const url = args.url ?? readDaemonInfo(stateDir)?.url;
  if (!url || !(await isUp(url))) throw new Error(`no scheduler daemon is running (${url ? `nothing answers at ${url}` : `no ${path.join(stateDir, 'daemon.json')}`}); start one with \`bsctl scheduler start [--cluster FILE]\``);
  return url;
}

/** The cluster config, if any: without one the daemon has no machines and runs schedules on its own machine. */
function clusterFile(args: SchedulerArgs): string | undefined {
  return args.cluster ?? process.env.BSCTL_CLUSTER;
}

/** The daemon's machines: the cluster config's, or none. */
function clusterOf(args: SchedulerArgs): ClusterConfig {
  const f = clusterFile(args);
  return f ? loadClusterConfig(f) : { file: '', machines: [] };
}

/** Where submitted job modules may come from: the bundled jobs/ and every --jobs-dir. */
function jobDirs(args: SchedulerArgs): string[] {
  return [JOBS_DIR, ...(args['jobs-dir'] ?? []).map((d) => path.resolve(d))];
}

/** Beyond loopback, only with a token the operator made and hands to clients (--token-file). */
function checkBind(args: SchedulerArgs): void {
  if (!isLoopback(args.bind) && !args['token-file']) {
    throw new Error(`--bind ${args.bind}: listening beyond loopback needs --token-file FILE (a secret of at least 32 characters, mode 600, that clients send with $BSCTL_SCHEDULER_TOKEN)`);
  }
}

/** --history-*: set for the daemon and every run it starts (bsctl run reads the same variables); checked here. */
function historyFlags(args: SchedulerArgs): string[] {
  const argv: string[] = [];
  if (args['history-dir']) {
    process.env[HISTORY_DIR_ENV] = args['history-dir'];
    argv.push('--history-dir', args['history-dir']);
  }
  if (args['history-max-jobs'] !== undefined) {
    process.env[HISTORY_MAX_JOBS_ENV] = String(args['history-max-jobs']);
    argv.push('--history-max-jobs', String(args['history-max-jobs']));
  }
  if (args['history-max-days'] !== undefined) {
    process.env[HISTORY_MAX_DAYS_ENV] = String(args['history-max-days']);
    argv.push('--history-max-days', String(args['history-max-days']));
  }
  try {
    historyKeep();
    sharedHistoryDir();
  } catch (err) {
    throw new Error((err as Error).message.replace('$BSCTL_HISTORY_MAX_JOBS', '--history-max-jobs').replace('$BSCTL_HISTORY_MAX_DAYS', '--history-max-days'));
  }
  return argv;
}

/** Run the daemon in this process until it is stopped (SIGTERM, SIGINT or POST /shutdown). */
async function serve(args: SchedulerArgs, stateDir: string): Promise<number> {
  historyFlags(args);
  const cluster = clusterOf(args);
  const allocations = args.allocations ? path.resolve(args.allocations) : cluster.allocations;
  checkBind(args);
  const token = createToken(stateDir, args['token-file']);
  const daemon = await startDaemon({
    cluster,
    token,
    user: os.userInfo().username,
    jobDirs: jobDirs(args),
    ...(allocations ? { allocations } : {}),
    bind: args.bind,
    port: args.port,
    stateDir,
    localityDelayMs: args['locality-delay'],
    preemption: args.preemption,
    preemptionIntervalMs: args['preemption-interval'],
    ...fairSchedulerSettings(args),
    reloadIntervalMs: args['reload-interval'],
    ...(args.ganglia ? { ganglia: gangliaTarget(args.ganglia, args['ganglia-period']) } : {}),
    scheduleGraceMs: parseDuration(args['schedule-grace'], '--schedule-grace'),
    log: (line) => process.stderr.write(stamp(line)),
  });
  // One job's broken stream must not take the JobTracker down with every other job: log it, go on.
  process.on('uncaughtException', (err) => process.stderr.write(stamp(`internal error (the daemon keeps running): ${err.stack ?? err.message}`)));
  const stop = (): void => void daemon.close();
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  await daemon.closed;
  return 0;
}

/** Start the daemon in the background (its log in the state dir) and wait until it answers. */
async function start(args: SchedulerArgs, stateDir: string): Promise<number> {
  const running = readDaemonInfo(stateDir);
  if (running && (await isUp(running.url))) throw new Error(`a scheduler daemon already runs at ${running.url} (pid ${running.pid}); \`bsctl scheduler stop\` first`);
  clusterOf(args); // config errors here, not in the log
  checkBind(args);
  fs.mkdirSync(stateDir, { recursive: true });
  fs.rmSync(path.join(stateDir, 'daemon.json'), { force: true });
  const logFile = path.join(stateDir, 'scheduler.log');
  const out = fs.openSync(logFile, 'a');
  const file = clusterFile(args);
  const argv = ['scheduler', 'serve', ...(file ? ['--cluster', path.resolve(file)] : []), '--bind', args.bind, '--port', String(args.port), '--state-dir', stateDir];
  argv.push('--locality-delay', String(args['locality-delay']), '--preemption-interval', String(args['preemption-interval']), '--reload-interval', String(args['reload-interval']));
  if (args.preemption) argv.push('--preemption');
  argv.push(...historyFlags(args));
  parseDuration(args['schedule-grace'], '--schedule-grace'); // a bad value fails here, not in the log
  argv.push('--schedule-grace', args['schedule-grace']);
  if (args.ganglia) argv.push('--ganglia', args.ganglia, '--ganglia-period', String(gangliaTarget(args.ganglia, args['ganglia-period']).periodSeconds));
  const settings = fairSchedulerSettings(args); // a bad mapred-site.xml fails here, not in the log
  if (settings.assignMultiple !== undefined) argv.push(settings.assignMultiple ? '--assign-multiple' : '--no-assign-multiple');
  if (settings.sizeBasedWeight !== undefined) argv.push(settings.sizeBasedWeight ? '--size-based-weight' : '--no-size-based-weight');
  if (args.allocations) argv.push('--allocations', path.resolve(args.allocations));
  if (args['token-file']) argv.push('--token-file', path.resolve(args['token-file']));
  for (const d of args['jobs-dir'] ?? []) argv.push('--jobs-dir', path.resolve(d));
  const child = spawn(process.execPath, [BSCTL_BIN, ...argv], { detached: true, stdio: ['ignore', out, out] });
  let exited: number | null | undefined;
  child.on('exit', (code) => (exited = code));
  child.unref();
  for (let i = 0; i < 300 && exited === undefined; i++) {
    const info = readDaemonInfo(stateDir);
    if (info && info.pid === child.pid && (await isUp(info.url))) {
      process.stdout.write(`scheduler started: ${info.url}/scheduler (pid ${info.pid}, log ${logFile})\n`);
      return 0;
    }
    await sleep(100);
  }
  const tail = fs.readFileSync(logFile, 'utf8').trim().split('\n').slice(-5).join('\n');
  if (exited === undefined) child.kill();
  throw new Error(`the scheduler daemon did not start (see ${logFile}):\n${tail}`);
}

async function stop(args: SchedulerArgs, stateDir: string): Promise<number> {
  const url = await daemonUrl(args, stateDir);
  const pid = readDaemonInfo(stateDir)?.pid;
  await shutdown(url, stateDir);
  for (let i = 0; i < 300 && (await isUp(url)); i++) await sleep(100);
  for (let i = 0; pid && i < 100; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      break;
    }
    await sleep(100);
  }
  process.stdout.write(`scheduler at ${url} stopped\n`);
  return 0;
}

export async function schedulerHandler(args: SchedulerArgs): Promise<number> {
  const stateDir = path.resolve(args['state-dir'] ?? defaultStateDir());
  switch (args.action) {
    case 'serve':
      return serve(args, stateDir);
    case 'start':
      return start(args, stateDir);
    case 'stop':
      return stop(args, stateDir);
    case 'kill': {
      if (!args.job) throw new Error('scheduler kill: name the job id (see `bsctl scheduler status`)');
      await killJob(await daemonUrl(args, stateDir), args.job, stateDir);
      process.stdout.write(`killing ${args.job}\n`);
      return 0;
    }
    case 'ui':
      return printLoginLink(await daemonUrl(args, stateDir), stateDir);
    case 'yarn-allocations':
      return printYarnAllocations(args);
    case 'status': {
      const url = await daemonUrl(args, stateDir);
      const status = await fetchStatus(url, args.json ? 0 : Date.now(), stateDir);
      process.stdout.write(args.json ? `${JSON.stringify(status, null, 2)}\n` : formatStatus(url, status));
      return 0;
    }
  }
}

/**
 * The MR1 allocation file (--allocations, else the cluster config's) as YARN's FairScheduler allocation
 * file on stdout, what could not be carried over on stderr: `> fair-scheduler.xml` on the ResourceManager.
 */
function printYarnAllocations(args: SchedulerArgs): number {
  const file = args.allocations ? path.resolve(args.allocations) : clusterFile(args) ? clusterOf(args).allocations : undefined;
  if (!file) throw new Error('scheduler yarn-allocations: name the MR1 allocation file with --allocations FILE (or a cluster config with "allocations")');
  if (!Number.isInteger(args['slot-mb']) || args['slot-mb'] < 1) throw new Error(`--slot-mb: must be a whole number of MB of at least 1 (got ${args['slot-mb']})`);
  const out = yarnAllocations(loadAllocations(file), { slotMb: args['slot-mb'] });
  process.stdout.write(out.xml.endsWith('\n') ? out.xml : `${out.xml}\n`);
  for (const n of out.notes) process.stderr.write(`note: ${n}\n`);
  return 0;
}

/** `--ganglia HOST:PORT` and its period, checked (a loopback or named host, a port, a positive period). */
function gangliaTarget(target: string, periodSeconds: number): GangliaOptions {
  const m = /^([A-Za-z0-9.-]+|\[[0-9a-fA-F:]+\]):(\d{1,5})$/.exec(target);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) throw new Error(`--ganglia: "${target}" is not HOST:PORT (e.g. 127.0.0.1:8649, gmond's udp_recv_channel)`);
  if (!(periodSeconds > 0)) throw new Error(`--ganglia-period: must be a positive number of seconds (got ${periodSeconds})`);
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port: Number(m[2]), periodSeconds };
}

/** assignmultiple / sizebasedweight: the flags, over a --mapred-site file's properties. */
function fairSchedulerSettings(args: SchedulerArgs): FairSchedulerSettings {
  const site = args['mapred-site'] ? loadMapredSite(args['mapred-site']) : {};
  const assignMultiple = args['assign-multiple'] ?? site.assignMultiple;
  const sizeBasedWeight = args['size-based-weight'] ?? site.sizeBasedWeight;
  return { ...(assignMultiple !== undefined ? { assignMultiple } : {}), ...(sizeBasedWeight !== undefined ? { sizeBasedWeight } : {}) };
}
