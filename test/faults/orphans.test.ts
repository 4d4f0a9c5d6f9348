import test from 'ava';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { BSCTL, ROOT, tempDir } from '../helpers/cli.ts';
import { testCluster } from '../helpers/cluster.ts';

// Map attempts that write their worker's pid to a marker file, then block their thread for good.
const BLOCKS = path.join(ROOT, 'test/fixtures/jobs/blocks-forever.ts');
const dir = tempDir('orphans');
/** Every worker pid a test saw, killed after the tests if one is still running (a failed test). */
const seen = new Set<number>();
/** Drivers the tests started, killed after the tests if a test failed before killing its own. */
const drivers: ChildProcess[] = [];
test.after.always(() => {
  for (const d of drivers) if (d.exitCode === null && d.signalCode === null) d.kill('SIGKILL');
  for (const pid of seen) if (isWorker(pid)) process.kill(pid, 'SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
});

function cmdline(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

/** A bsctl worker process (local entry point or a shipped bundle) that has not exited. */
function isWorker(pid: number): boolean {
  if (!/worker-main\.ts|bundles\/\w+\/worker\.mjs/.test(cmdline(pid))) return false;
  try {
    // A zombie has exited (its new parent may not reap it at once).
    return !/^\d+ \(.*\) Z /.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** The children of a process, from /proc. */
function childrenOf(pid: number): number[] {
  return fs
    .readdirSync(`/proc/${pid}/task`)
    .flatMap((tid) => fs.readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').split(' ').filter(Boolean).map(Number));
}

/** Poll until `cond` holds; fail naming `what` past the deadline (a deadline, not a timing assertion). */
async function until<T>(what: () => string, cond: () => T | undefined | false, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = cond();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Start `bsctl run blocks-forever` with two maps, and wait for both attempts to run. */
async function startBlockedJob(name: string, runnerArgs: readonly string[]): Promise<{ driver: ChildProcess; markers: number[]; log: () => string }> {
  const work = path.join(dir, name);
  const markerDir = path.join(work, 'markers');
  fs.mkdirSync(markerDir, { recursive: true });
  // 1202 bytes in 1 KiB splits: the line at 0 is split 0's, the line at 1101 split 1's.
  fs.writeFileSync(path.join(work, 'in.txt'), `${'a'.repeat(1100)}\n${'b'.repeat(100)}\n`);
  const args = ['run', BLOCKS, '--input', path.join(work, 'in.txt'), '--split-size', '1k', '--output', path.join(work, 'out'), '--conf', `marker.dir=${markerDir}`, ...runnerArgs];
  const driver = spawn(process.execPath, [BSCTL, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  drivers.push(driver);
  let output = '';
  driver.stdout!.setEncoding('utf8').on('data', (d: string) => (output += d));
  driver.stderr!.setEncoding('utf8').on('data', (d: string) => (output += d));
  const log = (): string => output;
  const markers = await until(
    () => `both map attempts to start (driver output: ${log()})`,
    () => {
      if (driver.exitCode !== null) throw new Error(`the driver exited (${driver.exitCode}) before its attempts started:\n${log()}`);
      const pids = fs.readdirSync(markerDir).map(Number);
      for (const p of pids) seen.add(p);
      return pids.length === 2 && pids;
    },
    90_000,
  );
  return { driver, markers, log };
}

async function killDriverAndWaitForWorkers(driver: ChildProcess, workers: readonly number[]): Promise<void> {
  const exited = new Promise((r) => driver.once('exit', r));
  driver.kill('SIGKILL');
  await exited;
  await until(() => `workers ${workers.join(', ')} to exit after their driver was killed (still running: ${workers.filter(isWorker).join(', ')})`, () => workers.every((p) => !isWorker(p)), 20_000);
}

test.serial('local runner: killing only the driver ends its workers, even mid-task with a blocked event loop', async (t) => {
  const { driver, markers } = await startBlockedJob('local', ['--runner', 'local', '--workers', '2']);
  const workers = childrenOf(driver.pid!).filter(isWorker);
  for (const p of workers) seen.add(p);
  t.deepEqual([...markers].sort(), [...workers].sort(), 'both workers of the driver are running an attempt');
  await killDriverAndWaitForWorkers(driver, workers);
  t.true(workers.every((p) => !isWorker(p)));
});

test.serial('SSH hosts: killing only the driver ends its remote workers, even mid-task with a blocked event loop', async (t) => {
  const { driver, markers } = await startBlockedJob('ssh', ['--runner', 'cluster', '--cluster', testCluster().file]);
  for (const p of markers) t.regex(cmdline(p), /bundles\/\w+\/worker\.mjs/, 'the attempt runs in a shipped worker bundle');
  await killDriverAndWaitForWorkers(driver, markers);
  t.true(markers.every((p) => !isWorker(p)));
});
