import test from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fetchStatus } from '../../framework/scheduler/client.ts';
import { writeHa3Docs } from '../../scripts/bench/ha3-docs.ts';
import { ROOT, errorLines, tempDir } from '../helpers/cli.ts';
import { testCluster } from '../helpers/cluster.ts';
import { waitFor } from '../helpers/wait.ts';
import { bsctlEnv, bsctlStart, daemonLog, killDaemon, ownWorkDirs, startDaemon, stopDaemon, type TestDaemon } from './daemon-helpers.ts';

// Issue 9, fault suite: the scheduler daemon killed with -9 while a full build it runs is mapping, and
// while it commits (reduces' outputs being promoted into the staging dir): the client fails with one
// clear error, nothing new is visible at the index, the previous generation stays READY and queryable,
// and after a restart the next build (or `bsctl gc`) removes what the killed one left, and succeeds.

const dir = tempDir('daemon-kills');
const stateDir = path.join(dir, 'state');
const tmpdir = path.join(dir, 'daemon-tmp');
const indexRoot = path.join(dir, 'index');
const tableDir = path.join(indexRoot, 'in1');
const docs = path.join(dir, 'docs.ha3');
let cluster = '';
let workDirs: string[] = [];
let daemon: TestDaemon | undefined;
const clientEnv = (): Record<string, string> => ({ BSCTL_SCHEDULER_DIR: stateDir, TMPDIR: path.join(dir, 'client-tmp') });

test.before(() => {
  testCluster();
  ({ cluster, workDirs } = ownWorkDirs(dir));
  fs.mkdirSync(path.join(dir, 'client-tmp'));
  // 1,500 documents (~0.6 MB) in 32 KiB splits: ~20 maps; 6 partitions on 3 reduce slots (two waves).
  writeHa3Docs(docs, 1500);
});
test.after.always(() => {
  if (daemon) stopDaemon(daemon);
  fs.rmSync(dir, { recursive: true, force: true });
});

const buildArgs = (d: TestDaemon): string[] => ['run', 'full-build', '--table', 'in1', '--schema', path.join(ROOT, 'fixtures/in1/schema.json'), '--data', docs, '--partitions', '6', '--index-root', indexRoot, '--split-size', '32k', '--runner', 'cluster', '--cluster', cluster, '--scheduler', d.url];

const generations = (): string[] => fs.readdirSync(tableDir).filter((n) => /^generation_\d+$/.test(n)).sort();
const hidden = (): string[] => fs.readdirSync(tableDir).filter((n) => n.startsWith('.') && n !== '.bsctl-build.lock').sort();
const workRoot = path.join(tmpdir, `bsctl-${os.userInfo().uid}`);
const workEntries = (): string[] => (fs.existsSync(workRoot) ? fs.readdirSync(workRoot).filter((n) => n.startsWith('job_')) : []);
const hostJobDirs = (): string[] => workDirs.flatMap((w) => (fs.existsSync(path.join(w, 'jobs')) ? fs.readdirSync(path.join(w, 'jobs')).map((n) => path.join(w, 'jobs', n)) : []));

function status(): { status: string; generationId: number } {
  const r = bsctlEnv(['status', '--table', 'in1', '--index-root', indexRoot]);
  if (r.code !== 0) throw new Error(`bsctl status failed: ${r.stderr}`);
  return (JSON.parse(r.stdout) as Record<string, { status: string; generationId: number }>).in1!;
}

function count(): string {
  const r = bsctlEnv(['query', '--table', 'in1', '--index-root', indexRoot, 'select count(*) from in1']);
  if (r.code !== 0) throw new Error(`bsctl query failed: ${r.stderr}`);
  return r.stdout.trim();
}

function build(d: TestDaemon): { code: number | null; stderr: string } {
  return bsctlEnv(buildArgs(d), clientEnv());
}

/** Kill the daemon with -9 when `moment` says so (polled); return the client's result and what was seen at the kill. */
async function killWhen(d: TestDaemon, what: string, moment: () => Promise<string | undefined>): Promise<{ code: number | null; stderr: string; seen: string }> {
  const c = bsctlStart(buildArgs(d), clientEnv());
  const seen = await waitFor(
    async () => {
      if (c.child.exitCode !== null) throw new Error(`the build ended (${c.child.exitCode}) before ${what}:\n${c.stderr()}\n--- daemon log ---\n${daemonLog(d)}`);
      return moment();
    },
    { what, timeoutMs: 120_000, intervalMs: 10 },
  );
  await killDaemon(d);
  const r = await c.done;
  return { ...r, seen };
}

/** What must hold after a daemon was killed mid-build: one clear error, nothing new published, the previous generation READY. */
function afterKill(t: import('ava').ExecutionContext, r: { code: number | null; stderr: string }, before: { gens: string[]; count: string; generationId: number }): void {
  t.is(r.code, 1, r.stderr);
  const errors = errorLines(r.stderr);
  t.is(errors.length, 1, r.stderr);
  t.regex(errors[0]!, /the scheduler daemon at http:\/\/127\.0\.0\.1:\d+ is gone|lost the connection/);
  t.deepEqual(generations(), before.gens, 'no new generation visible');
  const s = status();
  t.is(s.status, 'READY');
  t.is(s.generationId, before.generationId, 'the previous generation is the one served');
  t.is(count(), before.count, 'the previous generation answers queries');
}

test.serial('daemon killed with -9 mid-map and mid-commit: the client fails clearly, nothing partial is published, the previous generation stays READY; after a restart the leftovers go and the next build succeeds', async (t) => {
  daemon = startDaemon(cluster, stateDir, tmpdir);
  const first = build(daemon);
  t.is(first.code, 0, first.stderr);
  const before = { gens: generations(), count: count(), generationId: status().generationId };
  t.deepEqual(before.gens, ['generation_0']);
  t.regex(before.count, /1500/);

  // Mid-map: the daemon's own status says maps are done and others still to run.
  const d1 = daemon;
  const mapKill = await killWhen(d1, 'the build to be mapping', async () => {
    const job = (await fetchStatus(d1.url, Date.now(), stateDir).catch(() => undefined))?.jobs[0];
    const p = job?.progress;
    return p && p.map.done >= 1 && p.map.done < p.map.total ? `maps ${p.map.done}/${p.map.total}` : undefined;
  });
  t.log(`killed the daemon mid-map (${mapKill.seen}); client: ${errorLines(mapKill.stderr).join(' | ')}`);
  afterKill(t, mapKill, before);
  const leftMap = { staging: hidden(), work: workEntries(), hosts: hostJobDirs() };
  t.true(leftMap.staging.some((n) => /^\.generation_\d+\.bsctl-job_/.test(n)), `the killed build's staging is left (hidden): ${leftMap.staging.join(', ')}`);
  t.true(leftMap.work.length >= 1, 'its work dir is left');
  t.true(leftMap.hosts.length >= 1, 'its job dirs on the machines are left');

  // Restarted: the next build removes all of it and succeeds.
  daemon = startDaemon(cluster, stateDir, tmpdir);
  const next = build(daemon);
  t.is(next.code, 0, next.stderr);
  t.deepEqual(hidden(), [], 'the killed build\'s staging removed');
  t.deepEqual(workEntries(), [], 'its work dir removed');
  t.deepEqual(hostJobDirs(), [], 'its job dirs on the machines removed');
  const after1 = { gens: generations(), count: count(), generationId: status().generationId };
  t.is(after1.gens.length, 2);
  t.is(after1.count, before.count);

  // Mid-commit: reduces of the first wave have promoted their partitions into the staging dir; the
  // second wave still runs (the job commit, _SUCCESS and the rename, comes after it).
  const d2 = daemon;
  const commitKill = await killWhen(d2, 'reduce outputs being committed into the staging dir', async () => {
    const staging = hidden().find((n) => /^\.generation_\d+\.bsctl-job_/.test(n));
    const committed = staging ? fs.readdirSync(path.join(tableDir, staging)).filter((n) => n.startsWith('partition_')) : [];
    return committed.length >= 1 ? `${staging} holding ${committed.length} of 6 partitions (${fs.readdirSync(path.join(tableDir, staging!)).sort().join(', ')})` : undefined;
  });
  t.log(`killed the daemon mid-commit (${commitKill.seen}); client: ${errorLines(commitKill.stderr).join(' | ')}`);
  afterKill(t, commitKill, after1);
  t.true(hidden().some((n) => /^\.generation_\d+\.bsctl-job_/.test(n)), 'the killed build\'s staging is left (hidden)');

  // `bsctl gc` removes the staging and the daemon's work dir; the restarted daemon's next build the machines' job dirs.
  const gc = bsctlEnv(['gc', '--table', 'in1', '--index-root', indexRoot, '--work-root', workRoot]);
  t.is(gc.code, 0, gc.stderr);
  t.regex(gc.stdout, /gc: removed [1-9]\d*, restored 0, kept 0/);
  t.deepEqual(hidden(), []);
  t.deepEqual(workEntries(), []);
  t.true(hostJobDirs().length >= 1);
  daemon = startDaemon(cluster, stateDir, tmpdir);
  const last = build(daemon);
  t.is(last.code, 0, last.stderr);
  t.deepEqual(hostJobDirs(), []);
  t.is(status().generationId, after1.generationId + 1);
  t.is(count(), before.count);
  t.log('daemon kill -9: 2 trials (mid-map, mid-commit), 2 passed');
});
