import test from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fullBuildCli } from '../../framework/index/plan.ts';
import { submitAndFollow } from '../../framework/scheduler/client.ts';
import { submittedOptions } from '../../framework/scheduler/protocol.ts';
import { ROOT, tempDir } from '../helpers/cli.ts';
import { testCluster } from '../helpers/cluster.ts';
import { FULL_BUILD, segmentDigest } from '../helpers/full-build.ts';
import { ownWorkDirs, startDaemon, stopDaemon, type TestDaemon } from './daemon-helpers.ts';

// Issue 9, fault suite: consecutive full builds through one scheduler daemon leak nothing: its open
// descriptors, child processes, work dirs, the machines' job dirs and its RSS stay flat. `npm test` runs
// 20 (the suite's time budget); BSCTL_SOAK_BUILDS=50 runs the 50.

const BUILDS = Number(process.env.BSCTL_SOAK_BUILDS ?? 20);
if (!Number.isInteger(BUILDS) || BUILDS < 10 || BUILDS % 10 !== 0) throw new Error(`BSCTL_SOAK_BUILDS: a multiple of 10 (got ${process.env.BSCTL_SOAK_BUILDS})`);
const dir = tempDir('daemon-soak');
const stateDir = path.join(dir, 'state');
// The daemon's token is in its state dir; submitAndFollow here reads it there.
process.env.BSCTL_SCHEDULER_DIR = stateDir;
const tmpdir = path.join(dir, 'daemon-tmp');
let daemon: TestDaemon | undefined;
test.after.always(() => {
  if (daemon) stopDaemon(daemon);
  fs.rmSync(dir, { recursive: true, force: true });
});

const countIn = (d: string): number => (fs.existsSync(d) ? fs.readdirSync(d).length : 0);
/** `host2-work/bundles/<hash>` → `bundles/<hash>`: the same entry on any machine. */
const withoutHost = (name: string): string => name.slice(name.indexOf('/') + 1);
const namesIn = (d: string): string[] => {
  try {
    return fs.readdirSync(d).sort();
  } catch {
    return [];
  }
};

function childrenOf(pid: number): number[] {
  return fs.readdirSync(`/proc/${pid}/task`).flatMap((tid) => fs.readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').split(' ').filter(Boolean).map(Number));
}

/** Processes whose command line names one of the test's machine work dirs (the remote workers). */
function remoteWorkers(workDirs: readonly string[]): number {
  let n = 0;
  for (const p of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${p}/cmdline`, 'utf8');
      if (/worker\.mjs/.test(cmd) && workDirs.some((w) => cmd.includes(w))) n++;
    } catch {
      // gone meanwhile
    }
  }
  return n;
}

interface Sample {
  readonly fds: number;
  readonly children: number;
  readonly rssMiB: number;
  readonly workRoot: number;
  readonly userlogs: number;
  readonly hostJobs: number;
  readonly hostWork: number;
  /** What is in the machines' work dirs (and their bundles/), for the message when it grows. */
  readonly hostWorkNames: readonly string[];
  readonly remoteWorkers: number;
}

function sample(d: TestDaemon, workDirs: readonly string[]): Sample {
  const status = fs.readFileSync(`/proc/${d.pid}/status`, 'utf8');
  const uid = os.userInfo().uid;
  return {
    fds: fs.readdirSync(`/proc/${d.pid}/fd`).length,
    children: childrenOf(d.pid).length,
    rssMiB: Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024),
    workRoot: countIn(path.join(tmpdir, `bsctl-${uid}`)),
    userlogs: countIn(path.join(tmpdir, `bsctl-${uid}-userlogs`)),
    hostJobs: workDirs.reduce((n, w) => n + countIn(path.join(w, 'jobs')), 0),
    hostWork: workDirs.reduce((n, w) => n + countIn(w), 0),
    hostWorkNames: workDirs.flatMap((w) => namesIn(w).flatMap((e) => [`${path.basename(w)}/${e}`, ...namesIn(path.join(w, e)).map((b) => `${path.basename(w)}/${e}/${b}`)])),
    remoteWorkers: remoteWorkers(workDirs),
  };
}

const show = (s: Sample): string =>
  `fds ${s.fds}, child processes ${s.children}, RSS ${s.rssMiB} MiB, work root entries ${s.workRoot}, userlog job dirs ${s.userlogs}, machines' jobs/ entries ${s.hostJobs}, machines' workDir entries ${s.hostWork}, remote workers ${s.remoteWorkers}`;

test.serial(`${BUILDS} consecutive full builds through the daemon: descriptors, child processes, work dirs, machines' job dirs and RSS stay flat`, async (t) => {
  const { cluster, workDirs } = ownWorkDirs(dir);
  daemon = startDaemon(cluster, stateDir, tmpdir);
  const d = daemon;
  const indexRoot = path.join(dir, 'index');
  const user = os.userInfo().username;
  /** One build as `bsctl run full-build --runner cluster` does it: plan (table lock, generation) here, the job in the daemon. */
  const build = async (): Promise<string> => {
    const plan = await fullBuildCli.plan({ table: 'in1', schema: path.join(ROOT, 'fixtures/in1/schema.json'), data: [path.join(ROOT, 'fixtures/in1/data/docs.ha3')], partitions: 2, 'index-root': indexRoot, 'skip-unsupported-indexes': false }, () => {});
    try {
      const end = await submitAndFollow(d.url, { ...submittedOptions({ jobModule: FULL_BUILD, input: plan.input, output: plan.output, conf: plan.conf ?? {}, reducers: plan.reducers! }), pool: user, user }, () => {});
      if (end.event === 'failed') throw new Error(end.error);
      await plan.afterCommit?.();
      return plan.output;
    } finally {
      await plan.finish?.();
    }
  };
  testCluster();
  const start = sample(d, workDirs);
  t.log(`before build 1: ${show(start)}`);
  const began = Date.now();
  let reference: Record<string, string> | undefined;
  let afterFive: Sample | undefined;
  let halfwayRss = 0;
  let identical = 0;
  for (let i = 1; i <= BUILDS; i++) {
    const out = await build();
    const digest = segmentDigest(out);
    reference ??= digest;
    if (JSON.stringify(digest) === JSON.stringify(reference)) identical++;
    if (i === 1) t.log(`build 1 took ${Date.now() - began} ms (ships the bundle, starts workers)`);
    if (i === 5) {
      afterFive = sample(d, workDirs);
      t.log(`after build 5: ${show(afterFive)}`);
    } else if (i % 5 === 0) {
      const rss = sample(d, workDirs).rssMiB;
      if (i === BUILDS / 2) halfwayRss = rss;
      t.log(`after build ${i}: RSS ${rss} MiB`);
    }
  }
  const end = sample(d, workDirs);
  const perBuild = Math.round((Date.now() - began) / BUILDS);
  t.log(`after build ${BUILDS}: ${show(end)}`);
  t.log(`daemon soak: ${BUILDS} builds run, ${identical} succeeded with the same index, ${perBuild} ms a build`);
  t.is(identical, BUILDS);
  // Descriptors and children: what the first builds opened (SSH connections, esbuild's service) and no more.
  t.true(end.fds <= afterFive!.fds + 4, `fds ${afterFive!.fds} after 5 builds, ${end.fds} after ${BUILDS}`);
  t.true(end.fds <= start.fds + 20, `fds ${start.fds} before, ${end.fds} after ${BUILDS}`);
  t.true(end.children <= afterFive!.children + 1, `child processes ${afterFive!.children} after 5, ${end.children} after ${BUILDS}`);
  t.is(end.workRoot, start.workRoot, 'the daemon\'s work root is back to where it started');
  t.is(end.hostJobs, start.hostJobs, 'the machines\' jobs/ dirs are back to where they started');
  // A machine that got its first task after build 5 gets what the others already had (the one bundle,
  // its native packages), nothing else: no second bundle, no leftover file.
  const seen = new Set(afterFive!.hostWorkNames.map(withoutHost));
  const grown = end.hostWorkNames.filter((n) => !seen.has(withoutHost(n)));
  t.deepEqual(grown, [], 'nothing else accumulates in the machines\' work dirs');
  for (const w of workDirs) t.true(countIn(path.join(w, 'bundles')) <= 1, `${w}/bundles: ${namesIn(path.join(w, 'bundles')).join(', ')} (one job, one bundle)`);
  t.true(end.remoteWorkers <= 9, `remote workers (${end.remoteWorkers}) at most one per slot`);
  t.true(end.rssMiB <= afterFive!.rssMiB * 1.5, `RSS ${afterFive!.rssMiB} MiB after 5 builds, ${end.rssMiB} MiB after ${BUILDS}`);
  // A leak grows with every build, a heap settling does not: under 1 MiB a build in the second half.
  // (Each ended job's bundle, kept through its kill signal, once added 3 MiB a build.)
  t.true(end.rssMiB <= halfwayRss + BUILDS / 2, `RSS ${halfwayRss} MiB after ${BUILDS / 2} builds, ${end.rssMiB} MiB after ${BUILDS}`);
});
