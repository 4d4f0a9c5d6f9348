import test from 'ava';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROOT, bsctl, bsctlStart, leftovers, outputLines, tempDir, type CliResult, type Started } from '../helpers/cli.ts';
import { currentOwner } from '../../framework/fs/owner.ts';
import { fileSystemFor } from '../../framework/fs/resolve.ts';
import { writeSmallFile } from '../../framework/fs/small-file.ts';
import { runJob } from '../../framework/runner/driver.ts';
import { hdfsDir, requireHdfs } from '../helpers/hdfs.ts';
import { waitFor } from '../helpers/wait.ts';

// Issue 9, defects 4 (killed runs leak staging and work dirs) and 5 (pruning deletes generations in
// place): real bsctl processes killed with SIGKILL, SIGTERM and SIGINT.

const SLOW = fileURLToPath(new URL('../fixtures/jobs/slow-count.ts', import.meta.url));
const dir = tempDir('kills');
test.after.always(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Start bsctl with its own TMPDIR, so its work root (`$TMPDIR/bsctl-<uid>`) is this test's alone. */
function start(args: readonly string[], tmpdir: string): Started {
  fs.mkdirSync(tmpdir, { recursive: true });
  return bsctlStart(args, { TMPDIR: tmpdir });
}

const workRootOf = (tmpdir: string): string => path.join(tmpdir, `bsctl-${os.userInfo().uid}`);
const jobDirs = (tmpdir: string): string[] => (fs.existsSync(workRootOf(tmpdir)) ? fs.readdirSync(workRootOf(tmpdir)).filter((n) => n.startsWith('job_')) : []);

function words(name: string, lines: number): string {
  const file = path.join(dir, `${name}.txt`);
  fs.writeFileSync(file, `${Array.from({ length: lines }, (_, i) => `w${i % 7} x${i % 3}`).join('\n')}\n`);
  return file;
}

/** A slow job that is mapping: its staging dir and work dir exist. */
async function mapping(s: Started, output: string, tmpdir: string): Promise<void> {
  await waitFor(() => leftovers(output).length > 0 && jobDirs(tmpdir).length > 0 && /map \d+%/.test(s.stderr()), { what: 'the job to be mapping', timeoutMs: 120_000 });
}

for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  test.serial(`${sig} mid-map: the run removes its staging and work dir before it exits (${sig === 'SIGTERM' ? 143 : 130})`, async (t) => {
    const input = words(`sig-${sig}`, 400);
    const output = path.join(dir, `sig-${sig}-out`);
    const tmpdir = path.join(dir, `tmp-${sig}`);
    const s = start(['run', SLOW, '--input', input, '--output', output, '--split-size', '1k', '--workers', '1', '--conf', 'sleep.ms=20'], tmpdir);
    await mapping(s, output, tmpdir);
    s.child.kill(sig);
    const r = await s.done;
    t.is(r.code, sig === 'SIGTERM' ? 143 : 130, r.stderr);
    t.regex(r.stderr, new RegExp(`interrupted by ${sig}; nothing was published`));
    t.false(fs.existsSync(output));
    t.deepEqual(leftovers(output), []);
    t.deepEqual(jobDirs(tmpdir), []);
  });
}

test.serial('kill -9 mid-map leaks staging and work dir; the next run and bsctl gc remove them, never a live run\'s', async (t) => {
  const input = words('kill9', 400);
  const tmpdir = path.join(dir, 'tmp-kill9');
  const run = (out: string): Started => start(['run', SLOW, '--input', input, '--output', path.join(dir, out), '--split-size', '1k', '--workers', '1', '--conf', 'sleep.ms=20'], tmpdir);
  const a = run('kill9-a');
  await mapping(a, path.join(dir, 'kill9-a'), tmpdir);
  a.child.kill('SIGKILL');
  await a.done;
  t.is(leftovers(path.join(dir, 'kill9-a')).length, 1, 'kill -9 leaves the staging dir');
  const staleWork = jobDirs(tmpdir);
  t.is(staleWork.length, 1, 'and the work dir');

  // The next run removes what the dead one left beside its output and in the work root.
  const b = run('kill9-b');
  await mapping(b, path.join(dir, 'kill9-b'), tmpdir);
  t.regex(b.stderr(), /removed \S+\.kill9-a\.bsctl-job_\S+: staging of a run that is gone \(pid \d+ on /);
  t.regex(b.stderr(), /removed \S+job_\S+: work dir of a run that is gone/);
  t.deepEqual(leftovers(path.join(dir, 'kill9-a')), []);
  t.false(jobDirs(tmpdir).includes(staleWork[0]!));

  // gc never touches a live run's staging or work dir ...
  const gc = (): CliResult => bsctl(['gc', dir], { wrapper: ['env', `TMPDIR=${tmpdir}`] });
  const live = gc();
  t.is(live.code, 0, live.stderr);
  t.regex(live.stdout, /gc: removed 0, restored 0, kept 2/, live.stderr);
  t.is(leftovers(path.join(dir, 'kill9-b')).length, 1);
  // ... and removes them once that run is gone.
  b.child.kill('SIGKILL');
  await b.done;
  const dead = gc();
  t.regex(dead.stdout, /gc: removed 2, restored 0, kept 0/, dead.stderr);
  t.deepEqual(leftovers(path.join(dir, 'kill9-b')), []);
  t.deepEqual(jobDirs(tmpdir), []);
  t.false(fs.existsSync(path.join(dir, 'kill9-b')));
});

test.serial('kill -9 mid-shuffle/reduce with a previous output: it stays intact; the next --overwrite run cleans up and replaces it', async (t) => {
  const input = words('reduce-kill', 200);
  const output = path.join(dir, 'reduce-kill-out');
  const tmpdir = path.join(dir, 'tmp-reduce-kill');
  t.is(bsctl(['run', 'word-count', '--input', input, '--output', output]).code, 0);
  const before = outputLines(output);
  // Reduces slow enough that a progress line ("map 100% reduce ...", printed every few seconds) comes while they run.
  const s = start(['run', SLOW, '--input', input, '--output', output, '--overwrite', '--workers', '1', '--reducers', '2', '--conf', 'sleep.ms=0', '--conf', 'reduce.sleep.ms=2000'], tmpdir);
  // Mid-reduce: the reduces have begun writing into the run's staging dir beside the output.
  await waitFor(() => /map 100% reduce/.test(s.stderr()) && leftovers(output).length > 0, { what: 'the reduce phase writing its output', timeoutMs: 120_000 });
  s.child.kill('SIGKILL');
  await s.done;
  t.is(outputLines(output), before, 'the previous output is untouched');
  t.is(leftovers(output).length, 1);
  const again = bsctl(['run', 'word-count', '--input', input, '--output', output, '--overwrite'], { wrapper: ['env', `TMPDIR=${tmpdir}`] });
  t.is(again.code, 0, again.stderr);
  t.deepEqual(leftovers(output), []);
  t.deepEqual(jobDirs(tmpdir), []);
  t.is(outputLines(output), before);
});

test.serial('a commit killed after moving the old output aside: the next run puts the previous output back first', async (t) => {
  const input = words('commit', 20);
  const output = path.join(dir, 'commit-out');
  t.is(bsctl(['run', 'word-count', '--input', input, '--output', output]).code, 0);
  const before = outputLines(output);
  // What a kill between the two renames of commitJob leaves: the old output aside, the new staging
  // complete, its owner gone (pid 2^22 + 1 is above any pid Linux hands out by default).
  const jobId = 'job_202612010000_deadbeef';
  fs.renameSync(output, path.join(dir, `.commit-out.bsctl-old-${jobId}`));
  const staging = path.join(dir, `.commit-out.bsctl-${jobId}`);
  fs.mkdirSync(staging);
  fs.writeFileSync(path.join(staging, '_bsctl_owner.json'), JSON.stringify({ host: os.hostname(), pid: 4194305, start: '1', createdAt: Date.now() }));
  const gc = bsctl(['gc', dir]);
  t.is(gc.code, 0, gc.stderr);
  t.regex(gc.stderr, /restored .*commit-out: a commit that died half-way had moved it aside/);
  t.is(outputLines(output), before);
  t.deepEqual(leftovers(output), []);
});

/** Files under a generation dir (recursive). */
function fileCount(d: string): number {
  let n = 0;
  for (const e of fs.readdirSync(d, { withFileTypes: true, recursive: true })) if (e.isFile()) n++;
  return n;
}

test.serial('kill -9 while old generations are pruned: no half-deleted generation is ever visible', async (t) => {
  const root = path.join(dir, 'prune-index');
  const table = path.join(root, 't');
  // Three generations, the oldest large (many files), as a full build leaves them.
  for (const g of [0, 1, 2]) {
    for (let p = 0; p < (g === 0 ? 40 : 1); p++) {
      const part = path.join(table, `generation_${g}`, `partition_${p}_${p}`, 'segment_0_level_0');
      fs.mkdirSync(part, { recursive: true });
      for (let f = 0; f < (g === 0 ? 250 : 3); f++) fs.writeFileSync(path.join(part, `f${f}`), 'x');
      fs.writeFileSync(path.join(table, `generation_${g}`, `partition_${p}_${p}`, 'version.0'), '{}');
    }
  }
  const full = fileCount(path.join(table, 'generation_0'));
  // A process that prunes to 1 generation; killed as soon as deleting has begun.
  const layout = JSON.stringify(path.join(ROOT, 'framework/index/layout.ts'));
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', `const { pruneGenerationsOn } = await import(${layout}); await pruneGenerationsOn(${JSON.stringify(root)}, 't', 1);`], { cwd: ROOT, stdio: 'ignore' });
  const exited = new Promise<void>((r) => child.on('exit', () => r()));
  await waitFor(
    () => {
      try {
        return fileCount(path.join(table, 'generation_0')) < full;
      } catch {
        return true; // gone (renamed or deleted) while being counted
      }
    },
    { what: 'pruning to begin', intervalMs: 1, timeoutMs: 60_000 },
  );
  child.kill('SIGKILL');
  await exited;
  // Every generation_<n> still visible is whole.
  const visible = fs.readdirSync(table).filter((n) => /^generation_\d+$/.test(n));
  t.true(visible.length >= 1);
  for (const g of visible) t.is(fileCount(path.join(table, g)), g === 'generation_0' ? full : 3 + 1, `${g} is whole`);
  // Whatever the prune left is hidden, and gc removes it.
  t.is(bsctl(['gc', '--index-root', root]).code, 0);
  t.deepEqual(fs.readdirSync(table).filter((n) => n.startsWith('.')), []);
});

test.serial('HDFS: the next run removes a dead run\'s staging beside its output, never a live one\'s', async (t) => {
  requireHdfs();
  const parent = hdfsDir('stale');
  const input = words('hdfs-stale', 30);
  const dead = `${parent}/.out.bsctl-job_202612010000_0000dead`;
  const live = `${parent}/.out.bsctl-job_202612010000_00000001`;
  await writeSmallFile(`${dead}/_bsctl_owner.json`, JSON.stringify({ host: os.hostname(), pid: 4194305, start: '1', createdAt: 1 }));
  await writeSmallFile(`${dead}/_temporary/attempt_x/part-r-00000`, 'half\n');
  await writeSmallFile(`${live}/_bsctl_owner.json`, JSON.stringify(currentOwner('job_202612010000_00000001')));
  const logs: string[] = [];
  await runJob({ jobModule: path.join(ROOT, 'jobs/word-count.ts'), input: [input], output: `${parent}/out`, runner: 'inline', log: (l) => logs.push(l) });
  const names = (await fileSystemFor(parent).list(parent)).map((s) => s.path.slice(s.path.lastIndexOf('/') + 1)).sort();
  t.deepEqual(names, ['.out.bsctl-job_202612010000_00000001', 'out']);
  t.regex(logs.join('\n'), /removed \S+\.out\.bsctl-job_202612010000_0000dead: staging of a run that is gone/);
});
