import test from 'ava';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { currentOwner } from '../../framework/fs/owner.ts';
import { bsctlStart, tempDir, type Started } from '../helpers/cli.ts';
import { clusterVariant, testCluster } from '../helpers/cluster.ts';
import { waitFor } from '../helpers/wait.ts';

// Issue 9, defect 4 on SSH hosts: a cluster driver killed with -9 leaves its job dirs (map outputs)
// in every machine's <workDir>/jobs/; the next driver to connect to the machines removes them, and
// nothing of a live job nor anything bsctl did not create.

const SLOW = fileURLToPath(new URL('../fixtures/jobs/slow-count.ts', import.meta.url));
const BLOCKS = fileURLToPath(new URL('../fixtures/jobs/blocks-forever.ts', import.meta.url));
const dir = tempDir('ssh-job-dirs');
// The suite's three sshd hosts, with work dirs of this file's own: other test files' jobs (running at
// the same time on the same hosts) neither sweep these nor see them.
const workDirs = [1, 2, 3].map((n) => path.join(dir, `host${n}-work`));
let cluster = '';
const drivers: ChildProcess[] = [];
test.before(() => {
  cluster = clusterVariant(dir, 'own-work-dirs', (c) => c.machines.forEach((m, i) => (m.workDir = workDirs[i])));
});
test.after.always(() => {
  for (const d of drivers) if (d.exitCode === null && d.signalCode === null) d.kill('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true, maxRetries: 5 }); // (a killed job's workers may still be exiting)
});

type Driver = Started;

/** `bsctl run ... --runner cluster` with a private scheduler (no daemon answers in its state dir). */
function run(args: readonly string[]): Driver {
  const d = bsctlStart(['run', ...args, '--runner', 'cluster', '--cluster', cluster], { BSCTL_SCHEDULER_DIR: path.join(dir, 'no-daemon') });
  drivers.push(d.child);
  return d;
}

async function jobIdOf(d: Driver, name: string): Promise<string> {
  return waitFor(() => new RegExp(`(job_\\w+): ${name},`).exec(d.stderr())?.[1], { what: `the ${name} driver to start its job (stderr: ${d.stderr()})`, timeoutMs: 120_000 });
}

const jobDirOn = (host: number, jobId: string): string => path.join(workDirs[host]!, 'jobs', jobId);

/** Map attempts' output dirs holding files, over all machines. */
function mapOutputs(jobId: string): string[] {
  return [0, 1, 2].flatMap((h) => {
    const d = jobDirOn(h, jobId);
    if (!fs.existsSync(d)) return [];
    return fs
      .readdirSync(d)
      .filter((a) => a.includes('_m_') && fs.readdirSync(path.join(d, a)).length > 0)
      .map((a) => path.join(d, a));
  });
}

function killed(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

function words(name: string, lines: number): string {
  const file = path.join(dir, `${name}.txt`);
  fs.writeFileSync(file, `${Array.from({ length: lines }, (_, i) => `w${i % 11} x${i % 5} common`).join('\n')}\n`);
  return file;
}

test.serial('SSH hosts: job dirs of a cluster driver killed with -9 mid-map are removed by the next driver; a live job\'s, a foreign host\'s and unknown names stay', async (t) => {
  // B: a live job (its map blocks for good) while the next driver connects.
  const markers = path.join(dir, 'markers');
  fs.mkdirSync(markers);
  fs.writeFileSync(path.join(dir, 'b.txt'), 'a line\n');
  const b = run([BLOCKS, '--input', path.join(dir, 'b.txt'), '--output', path.join(dir, 'b-out'), '--conf', `marker.dir=${markers}`]);
  const jobB = await jobIdOf(b, 'blocks-forever');
  await waitFor(() => fs.readdirSync(markers).length > 0, { what: `the attempt of ${jobB} to run`, timeoutMs: 60_000 });

  // A: a slow word count, killed with -9 once map outputs are on the machines' disks.
  const a = run([SLOW, '--input', words('a', 1200), '--output', path.join(dir, 'a-out'), '--split-size', '1k', '--reducers', '2', '--conf', 'sleep.ms=25']);
  const jobA = await jobIdOf(a, 'slow-count');
  const outputs = await waitFor(() => mapOutputs(jobA).length > 0 && mapOutputs(jobA), { what: `map outputs of ${jobA} on the machines (stderr: ${a.stderr()})`, timeoutMs: 120_000 });
  t.true(a.child.exitCode === null, 'still mapping when killed');
  await killed(a.child);
  t.log(`killed the driver of ${jobA} with -9; ${outputs.length} map output dir(s) on the machines`);
  const dirsA = [0, 1, 2].map((h) => jobDirOn(h, jobA));
  for (const d of dirsA) t.true(fs.existsSync(path.join(d, '_bsctl_owner.json')), `${d} holds its driver's owner record`);
  t.deepEqual(JSON.parse(fs.readFileSync(path.join(dirsA[0]!, '_bsctl_owner.json'), 'utf8')).pid, a.child.pid);

  // Beside them, on host1: dirs without an owner record (fresh: kept; unchanged for 2 h: removed), a dir
  // whose owner runs on another host (kept), names bsctl did not create, and a job dir outside jobs/.
  const jobs1 = path.join(workDirs[0]!, 'jobs');
  const fresh = path.join(jobs1, 'job_19700101_fresh');
  const old = path.join(jobs1, 'job_19700101_old');
  const foreign = path.join(jobs1, 'job_19700101_foreign');
  const notOurs = path.join(jobs1, 'mine-not-bsctl');
  const outside = path.join(workDirs[0]!, 'elsewhere', 'job_19700101_outside');
  for (const d of [fresh, old, foreign, notOurs, outside]) {
    fs.mkdirSync(path.join(d, 'attempt_x'), { recursive: true });
    fs.writeFileSync(path.join(d, 'attempt_x', 'file.out'), 'data');
  }
  const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
  for (const p of [path.join(old, 'attempt_x', 'file.out'), path.join(old, 'attempt_x'), old, path.join(outside, 'attempt_x'), outside]) fs.utimesSync(p, twoHoursAgo, twoHoursAgo);
  fs.writeFileSync(path.join(foreign, '_bsctl_owner.json'), JSON.stringify({ ...currentOwner('job_19700101_foreign'), host: `not-${os.hostname()}`, pid: 1 }));

  // C: the next cluster driver.
  const c = run([SLOW, '--input', words('c', 40), '--output', path.join(dir, 'c-out'), '--conf', 'sleep.ms=0']);
  const rc = await c.done;
  t.is(rc.code, 0, rc.stderr);
  for (const d of dirsA) {
    t.false(fs.existsSync(d), `${d} removed`);
    t.regex(rc.stderr, new RegExp(`removed ${d.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: its driver is gone \\(pid ${a.child.pid} on `));
  }
  t.true(b.child.exitCode === null, 'B still runs');
  for (const h of [0, 1, 2]) t.true(fs.existsSync(path.join(jobDirOn(h, jobB), '_bsctl_owner.json')), `the live job's dir on host${h + 1} kept`);
  t.false(fs.existsSync(old), 'a dir without owner record unchanged for 2 h removed');
  for (const d of [fresh, foreign, notOurs, outside]) t.true(fs.existsSync(path.join(d, 'attempt_x', 'file.out')), `${d} kept`);
  const cJob = /(job_\w+): slow-count,/.exec(rc.stderr)![1]!;
  for (const h of [0, 1, 2]) t.false(fs.existsSync(jobDirOn(h, cJob)), 'C removed its own dirs at its end');
  t.deepEqual(
    fs.readdirSync(jobs1).filter((n) => n.includes('bsctl-trash')),
    [],
    'no trash left',
  );

  // B killed with -9 as well: the next driver removes its dirs too.
  await killed(b.child);
  const d = run([SLOW, '--input', words('d', 10), '--output', path.join(dir, 'd-out'), '--conf', 'sleep.ms=0']);
  const rd = await d.done;
  t.is(rd.code, 0, rd.stderr);
  for (const h of [0, 1, 2]) t.false(fs.existsSync(jobDirOn(h, jobB)), `the killed blocks-forever job's dir on host${h + 1} removed`);
  t.deepEqual(fs.readdirSync(jobs1).sort(), ['job_19700101_foreign', 'job_19700101_fresh', 'mine-not-bsctl']);
  t.log('ssh-job-dirs: 1 trial, killed driver\'s dirs removed on 3/3 hosts, live/foreign/unknown kept');
});
