import test from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeHa3Docs } from '../../scripts/bench/ha3-docs.ts';
import { ROOT, bsctl, bsctlStart, outputLines, tempDir, type CliResult, type Started } from '../helpers/cli.ts';
import { segmentDigest } from '../helpers/full-build.ts';
import { waitFor } from '../helpers/wait.ts';

// Issue 9, "Beyond Hadoop: resume": `bsctl run ... --resume` after a killed run reuses the map
// outputs of tasks that finished (checked by content hash) and gives byte-identical results; a
// changed input or job code invalidates them.

const SLOW = fileURLToPath(new URL('../fixtures/jobs/slow-count.ts', import.meta.url));
const dir = tempDir('resume');
test.after.always(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Each test its own TMPDIR: the work root, and so the resume records, are its own. */
function env(tmpdir: string): NodeJS.ProcessEnv {
  fs.mkdirSync(tmpdir, { recursive: true });
  return { ...process.env, NO_COLOR: '1', TMPDIR: tmpdir };
}

function start(args: readonly string[], tmpdir: string): Started {
  return bsctlStart(args, { TMPDIR: env(tmpdir).TMPDIR! });
}

const run = (args: readonly string[], tmpdir: string): CliResult => bsctl(args, { wrapper: ['env', `TMPDIR=${env(tmpdir).TMPDIR}`] });

/** Finished maps recorded under the work root's resume dir. */
function recorded(tmpdir: string): number {
  const root = path.join(tmpdir, `bsctl-${os.userInfo().uid}`, 'resume');
  if (!fs.existsSync(root)) return 0;
  return fs.readdirSync(root).reduce((n, k) => n + (fs.statSync(path.join(root, k)).isDirectory() ? fs.readdirSync(path.join(root, k)).filter((f) => /^m_\d+\.json$/.test(f)).length : 0), 0);
}

/** Kill -9 a --resume run once at least `n` maps are recorded (and before it has finished). */
async function killAfter(args: readonly string[], tmpdir: string, n: number): Promise<number> {
  const s = start(args, tmpdir);
  await waitFor(() => recorded(tmpdir) >= n, { what: `${n} recorded maps`, timeoutMs: 120_000, intervalMs: 5 });
  s.child.kill('SIGKILL');
  const r = await s.done;
  if (r.code === 0) throw new Error('the run finished before it could be killed');
  return recorded(tmpdir);
}

function words(file: string, lines: number, salt = ''): void {
  fs.writeFileSync(file, `${Array.from({ length: lines }, (_, i) => `w${i % 17}${salt} x${i % 5}`).join('\n')}\n`);
}

test.serial('word count killed mid-map, then --resume: finished maps are reused, the output is identical', async (t) => {
  const input = path.join(dir, 'wc.txt');
  words(input, 600);
  const tmp = path.join(dir, 'tmp-wc');
  const job = (out: string): string[] => ['run', SLOW, '--input', input, '--output', path.join(dir, out), '--split-size', '512', '--workers', '1', '--conf', 'sleep.ms=10', '--resume'];
  const reference = run(['run', 'word-count', '--input', input, '--output', path.join(dir, 'wc-ref'), '--runner', 'inline'], tmp);
  t.is(reference.code, 0, reference.stderr);
  const kept = await killAfter(job('wc-out'), tmp, 4);
  t.true(kept >= 4);
  const r = run(job('wc-out'), tmp);
  t.is(r.code, 0, r.stderr);
  const m = /resume: reused (\d+) of (\d+) map output\(s\); running (\d+)/.exec(r.stderr);
  t.truthy(m, r.stderr);
  t.true(Number(m![1]) >= 4, `reused ${m![1]}`);
  t.is(Number(m![1]) + Number(m![3]), Number(m![2]));
  t.regex(r.stdout, /\(\+\d+ reused, --resume\)/);
  t.is(outputLines(path.join(dir, 'wc-out')), outputLines(path.join(dir, 'wc-ref')));
  t.is(recorded(tmp), 0, 'the records go once the job succeeded');
});

test.serial('a changed input invalidates the records of the maps that read it; changed job code invalidates them all', async (t) => {
  const input = path.join(dir, 'change.txt');
  words(input, 600);
  const tmp = path.join(dir, 'tmp-change');
  const job = (module: string, out: string): string[] => ['run', module, '--input', input, '--output', path.join(dir, out), '--split-size', '512', '--workers', '1', '--conf', 'sleep.ms=10', '--resume'];
  await killAfter(job(SLOW, 'change-out'), tmp, 3);
  t.log(fs.readdirSync(path.join(tmp, `bsctl-${os.userInfo().uid}`, 'resume'), { recursive: true }));
  // Same size, other bytes: the splits are the same, the content hash is not.
  fs.writeFileSync(input, fs.readFileSync(input, 'utf8').replace(/x/g, 'y'));
  const r = run(job(SLOW, 'change-out'), tmp);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stderr, /resume: map \d+ runs again \(its input \S+change\.txt changed\)/);
  t.regex(r.stderr, /resume: reused 0 of \d+ map output\(s\)/);
  t.regex(outputLines(path.join(dir, 'change-out')), /^y0\t120$/m);

  // An edited copy of the job: its code hash differs, so nothing recorded for the old code is used.
  const edited = path.join(dir, 'slow-count-edited.ts');
  fs.writeFileSync(edited, fs.readFileSync(SLOW, 'utf8').replace("'../../../framework/job/index.ts'", JSON.stringify(path.join(ROOT, 'framework/job/index.ts'))).replace('yield [w, 1] as const', 'yield [w.toUpperCase(), 1] as const'));
  await killAfter(job(SLOW, 'change-out-2'), tmp, 3);
  const e = run(job(edited, 'change-out-2'), tmp);
  t.is(e.code, 0, e.stderr);
  t.regex(e.stderr, /resume: nothing recorded yet for this job, input and conf/);
  t.regex(outputLines(path.join(dir, 'change-out-2')), /^Y0\t120$/m);
});

test.serial('full build killed after some maps, then --resume: byte-identical index', async (t) => {
  const data = path.join(dir, 'docs.ha3');
  writeHa3Docs(data, 6000);
  const tmp = path.join(dir, 'tmp-fb');
  const build = (root: string, resume: boolean): string[] => ['run', 'full-build', '--table', 't', '--schema', 'fixtures/in1/schema.json', '--data', data, '--partitions', '2', '--index-root', root, '--split-size', '64k', '--workers', '1', ...(resume ? ['--resume'] : [])];
  const ref = run(build(path.join(dir, 'fb-ref'), false), tmp);
  t.is(ref.code, 0, ref.stderr);
  const root = path.join(dir, 'fb');
  await killAfter(build(root, true), tmp, 3);
  t.false(fs.existsSync(path.join(root, 't', 'generation_0')), 'nothing was published by the killed run');
  const r = run(build(root, true), tmp);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stderr, /took over the lock .* of a run that is gone/);
  const m = /resume: reused (\d+) of (\d+)/.exec(r.stderr);
  t.true(Number(m?.[1]) >= 3, r.stderr);
  t.deepEqual(segmentDigest(path.join(root, 't', 'generation_0')), segmentDigest(path.join(dir, 'fb-ref', 't', 'generation_0')));
});
