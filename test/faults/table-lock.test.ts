import test from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { acquireLock, LockHeldError } from '../../framework/fs/lock.ts';
import { readSmallFile, writeSmallFile } from '../../framework/fs/small-file.ts';
import { bsctl, bsctlStart, tempDir, type Started } from '../helpers/cli.ts';
import { hdfsDir, requireHdfs } from '../helpers/hdfs.ts';
import { waitFor } from '../helpers/wait.ts';

// Issue 9, defect 9: concurrent builds of one table are locked (local and HDFS); a stale lock of a
// dead run is taken over; --wait waits for a live one.

const dir = tempDir('table-lock');
test.after.always(() => fs.rmSync(dir, { recursive: true, force: true }));

const buildArgs = (root: string, table = 't'): string[] => ['run', 'full-build', '--table', table, '--schema', 'fixtures/in1/schema.json', '--data', 'fixtures/in1/data', '--partitions', '1', '--index-root', root];
const lockFile = (root: string, table = 't'): string => path.join(root, table, '.bsctl-build.lock');
const generations = (root: string, table = 't'): string[] => fs.readdirSync(path.join(root, table)).filter((n) => /^generation_\d+$/.test(n)).sort();

const buildAsync = (args: readonly string[]): Started => bsctlStart(args);

test.serial('a build of a table another live run holds is refused at once, naming the holder; with --wait it runs after', async (t) => {
  const root = path.join(dir, 'held');
  const lock = await acquireLock(lockFile(root), { what: 'table t' });
  const refused = bsctl(buildArgs(root));
  t.is(refused.code, 1);
  t.regex(refused.stderr, new RegExp(`bsctl: error: table t is locked by pid ${process.pid} on ${os.hostname()}.*; wait for it to finish, or pass --wait`));
  t.false(fs.readdirSync(path.join(root, 't')).some((n) => n.startsWith('generation_') || n.includes('.bsctl-job_')), 'nothing was built or staged');

  const waiting = buildAsync([...buildArgs(root), '--wait']);
  await waitFor(() => /table t is locked by pid \d+ .*; waiting \(--wait\)/.test(waiting.stderr()), { what: 'the build to wait for the lock', timeoutMs: 120_000 });
  t.deepEqual(generations(root), []);
  await lock.release();
  const r = await waiting.done;
  t.is(r.code, 0, r.stderr);
  t.deepEqual(generations(root), ['generation_0']);
  t.false(fs.existsSync(lockFile(root)), 'the lock is released at the end');
});

test.serial('a stale lock (its run is gone) is taken over; the build succeeds', (t) => {
  const root = path.join(dir, 'stale');
  fs.mkdirSync(path.join(root, 't'), { recursive: true });
  fs.writeFileSync(lockFile(root), JSON.stringify({ host: os.hostname(), pid: 4194305, start: '1', createdAt: 1 }));
  const r = bsctl(buildArgs(root));
  t.is(r.code, 0, r.stderr);
  t.regex(r.stderr, /took over the lock \S+\.bsctl-build\.lock of a run that is gone \(pid 4194305/);
  t.deepEqual(generations(root), ['generation_0']);
  t.false(fs.existsSync(lockFile(root)));
});

test.serial('two builds of one table at the same time with --wait: both succeed, one generation each, none fails at commit', async (t) => {
  const root = path.join(dir, 'concurrent');
  const [a, b] = await Promise.all([buildAsync([...buildArgs(root), '--wait']).done, buildAsync([...buildArgs(root), '--wait']).done]);
  t.is(a.code, 0, a.stderr);
  t.is(b.code, 0, b.stderr);
  t.deepEqual(generations(root), ['generation_0', 'generation_1']);
  // Without --wait, whichever build finds the lock held is refused before doing any work.
  const [c, d] = await Promise.all([buildAsync(buildArgs(root)).done, buildAsync(buildArgs(root)).done]);
  for (const r of [c, d]) t.true(r.code === 0 || /is locked by pid \d+/.test(r.stderr), r.stderr);
  t.notRegex(c.stderr + d.stderr, /appeared during the job|already exists/);
  t.true(c.code === 0 || d.code === 0);
});

test.serial('HDFS: the lock is exclusive there too, and a dead holder\'s lock is taken over', async (t) => {
  requireHdfs();
  const file = `${hdfsDir('lock')}/t/.bsctl-build.lock`;
  const first = await acquireLock(file, { what: 'table t' });
  const err = await t.throwsAsync(acquireLock(file, { what: 'table t' }), { instanceOf: LockHeldError });
  t.regex(err!.message, new RegExp(`table t is locked by pid ${process.pid}`));
  await first.release();
  t.is(await readSmallFile(file), undefined);
  await writeSmallFile(file, JSON.stringify({ host: os.hostname(), pid: 4194305, start: '1', createdAt: 1 }));
  const logs: string[] = [];
  const taken = await acquireLock(file, { what: 'table t', log: (l) => logs.push(l) });
  t.regex(logs.join('\n'), /took over the lock/);
  t.regex((await readSmallFile(file))!, new RegExp(`"pid":${process.pid}`));
  await taken.release();
});
