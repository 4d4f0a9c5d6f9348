import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { readDaemonInfo } from '../../framework/scheduler/client.ts';
import { BSCTL, ROOT, shareTsxCache, type CliResult } from '../helpers/cli.ts';
import { clusterVariant } from '../helpers/cluster.ts';
import { waitFor } from '../helpers/wait.ts';

// A real scheduler daemon (`bsctl scheduler start`) for the fault tests, with a state dir, a TMPDIR (so
// its work root, `$TMPDIR/bsctl-<uid>`, is the test's alone) and machine work dirs of the test's own.

export interface TestDaemon {
  readonly url: string;
  readonly pid: number;
  readonly stateDir: string;
  readonly tmpdir: string;
}

/** The suite's sshd hosts with work dirs under `dir` (other test files' jobs neither see nor sweep them). */
export function ownWorkDirs(dir: string): { cluster: string; workDirs: string[] } {
  const workDirs = [1, 2, 3].map((n) => path.join(dir, `host${n}-work`));
  const cluster = clusterVariant(dir, 'own-work-dirs', (c) => c.machines.forEach((m, i) => (m.workDir = workDirs[i])));
  return { cluster, workDirs };
}

/** Run bsctl to its end (blocking), with extra environment. */
export function bsctlEnv(args: readonly string[], env: Readonly<Record<string, string>> = {}): CliResult {
  shareTsxCache(env.TMPDIR);
  const r = spawnSync(process.execPath, [BSCTL, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

export { bsctlStart, type Started } from '../helpers/cli.ts';

/** `bsctl scheduler start` (it returns once the daemon answers); the daemon inherits TMPDIR. */
export function startDaemon(cluster: string, stateDir: string, tmpdir: string): TestDaemon {
  fs.mkdirSync(tmpdir, { recursive: true });
  const r = bsctlEnv(['scheduler', 'start', '--cluster', cluster, '--port', '0', '--state-dir', stateDir, '--locality-delay', '0'], { TMPDIR: tmpdir });
  if (r.code !== 0) throw new Error(`scheduler start failed: ${r.stderr}`);
  const info = readDaemonInfo(stateDir);
  if (!info) throw new Error(`no daemon.json in ${stateDir}`);
  return { url: info.url.replace(/\/+$/, ''), pid: info.pid, stateDir, tmpdir };
}

export function stopDaemon(d: TestDaemon): CliResult {
  return bsctlEnv(['scheduler', 'stop', '--state-dir', d.stateDir]);
}

/** The process runs (a zombie has exited). */
export function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z /.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

export async function killDaemon(d: TestDaemon): Promise<void> {
  process.kill(d.pid, 'SIGKILL');
  await waitFor(() => !alive(d.pid), { what: `the daemon (pid ${d.pid}) to die`, timeoutMs: 20_000 });
}

/** The daemon's log (for failure messages). */
export function daemonLog(d: TestDaemon): string {
  try {
    return fs.readFileSync(path.join(d.stateDir, 'scheduler.log'), 'utf8');
  } catch {
    return '';
  }
}
