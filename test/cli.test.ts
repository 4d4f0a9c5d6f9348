import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import yargs from 'yargs';
import { runBuilder } from '../framework/cli/run/command.ts';
import { bsctl, bsctlAsync, errorLines, leftovers, outputLines, ROOT, tempDir } from './helpers/cli.ts';

const dir = tempDir('cli');
const input = path.join(dir, 'in.txt');
fs.writeFileSync(input, 'b a\nA c B\n');
test.after.always(() => fs.rmSync(dir, { recursive: true, force: true }));


test('bsctl run word-count writes the counts, _SUCCESS and a counters report', (t) => {
  const out = path.join(dir, 'wc');
  const r = bsctl(['run', 'word-count', '--input', input, '--output', out, '--reducers', '3']);
  t.is(r.code, 0, r.stderr);
  t.is(outputLines(out), 'a\t2\nb\t2\nc\t1');
  t.true(fs.existsSync(path.join(out, '_SUCCESS')));
  t.is(fs.readdirSync(out).filter((f) => f.startsWith('part-r-')).length, 3);
  t.regex(r.stdout, /Map input records=2/);
  t.regex(r.stdout, /Reduce output records=3/);
  t.regex(r.stdout, /Combine input records=5/);
  t.regex(r.stderr, /map 100% reduce 100%/);
});

test('the README command runs the bundled fixture', (t) => {
  const out = path.join(dir, 'readme');
  const r = bsctl(['run', 'word-count', '--input', 'fixtures/text/sample.txt', '--output', out, '--overwrite']);
  t.is(r.code, 0, r.stderr);
  t.regex(outputLines(out), /^full\t5$/m);
});

test('an existing output is refused without --overwrite and left intact', (t) => {
  const out = path.join(dir, 'exists');
  fs.mkdirSync(out);
  fs.writeFileSync(path.join(out, 'keep.txt'), 'precious');
  const r = bsctl(['run', 'word-count', '--input', input, '--output', out]);
  t.is(r.code, 1);
  t.deepEqual(errorLines(r.stderr), [`bsctl: error: output directory ${out} already exists (use --overwrite to replace it)`]);
  t.deepEqual(fs.readdirSync(out), ['keep.txt']);
  // --overwrite replaces only what is provably a previous bsctl output; this one needs --force-overwrite.
  const refused = bsctl(['run', 'word-count', '--input', input, '--output', out, '--overwrite']);
  t.is(refused.code, 1);
  t.deepEqual(fs.readdirSync(out), ['keep.txt']);
  const ok = bsctl(['run', 'word-count', '--input', input, '--output', out, '--overwrite', '--force-overwrite']);
  t.is(ok.code, 0, ok.stderr);
  t.false(fs.existsSync(path.join(out, 'keep.txt')));
  t.is(outputLines(out), 'a\t2\nb\t2\nc\t1');
});

for (const [name, args, message] of [
  ['missing input path', ['--input', '/nonexistent/bsctl-in.txt'], /input path \/nonexistent\/bsctl-in\.txt: no such file or directory/],
  ['empty input', ['--input', 'EMPTY'], /input is empty/],
  ['glob matching nothing', ['--input', 'GLOB'], /glob matches no file/],
] as const) {
  test(`bad input: ${name} → one-line error, exit 1, no output`, (t) => {
    const out = path.join(dir, `bad-${name.replace(/\W/g, '')}`);
    const empty = path.join(dir, 'empty.txt');
    fs.writeFileSync(empty, '');
    const resolved = args.map((a) => (a === 'EMPTY' ? empty : a === 'GLOB' ? path.join(dir, 'none-*.txt') : a));
    const r = bsctl(['run', 'word-count', ...resolved, '--output', out]);
    t.is(r.code, 1);
    const errs = errorLines(r.stderr);
    t.is(errs.length, 1);
    t.regex(errs[0]!, message);
    t.false(fs.existsSync(out));
    t.deepEqual(leftovers(out), []);
  });
}

/** Live processes whose environment holds `mark` (a run's workers inherit the run's environment). */
function processesMarked(mark: string): number[] {
  const pids: number[] = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (fs.readFileSync(`/proc/${d}/environ`, 'latin1').includes(mark) && !fs.readFileSync(`/proc/${d}/stat`, 'latin1').includes(') Z ')) pids.push(Number(d));
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return pids;
}

test('workers started ahead of the job are gone when a run ends, whether it used them or failed first', async (t) => {
  const exists = path.join(dir, 'ahead-exists');
  fs.mkdirSync(exists);
  const runs = [
    { args: ['run', 'word-count', '--input', input, '--output', exists, '--workers', '3'], code: 1 }, // fails before any task
    { args: ['run', 'word-count', '--input', input, '--output', path.join(dir, 'ahead-ok'), '--workers', '3'], code: 0 }, // one map: one worker of three
  ];
  for (const [i, run] of runs.entries()) {
    const mark = `BSCTL_TEST_AHEAD_${process.pid}_${i}`;
    const r = await bsctlAsync(run.args, { [mark]: '1' });
    t.is(r.code, run.code, r.stderr);
    let left = processesMarked(`${mark}=1`);
    for (let k = 0; k < 40 && left.length > 0; k++) {
      await new Promise((res) => setTimeout(res, 50));
      left = processesMarked(`${mark}=1`);
    }
    t.deepEqual(left, [], `run ${i}: processes left behind`);
  }
  t.is(outputLines(path.join(dir, 'ahead-ok')), 'a\t2\nb\t2\nc\t1');
});

test('bad input: unreadable file → error naming the file, exit 1, no output', (t) => {
  const d = tempDir('cli-perm');
  fs.chmodSync(d, 0o777);
  const secret = path.join(d, 'secret.txt');
  fs.writeFileSync(secret, 'x y\n');
  fs.chmodSync(secret, 0o000);
  const out = path.join(d, 'out');
  // Run as an unprivileged user (root reads anything).
  const wrapper = process.getuid?.() === 0 ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] : [];
  const r = bsctl(['run', 'word-count', '--input', secret, '--output', out, '--runner', 'inline'], { wrapper, cwd: d });
  t.is(r.code, 1);
  t.regex(r.stderr, new RegExp(`${secret.replace(/[.]/g, '\\.')}.*permission denied`));
  t.false(fs.existsSync(out));
  t.deepEqual(leftovers(out), []);
  fs.rmSync(d, { recursive: true, force: true });
});

test('unknown job → clear error listing the bundled jobs', (t) => {
  const r = bsctl(['run', 'no-such-job', '--input', input, '--output', path.join(dir, 'x')]);
  t.is(r.code, 1);
  t.regex(errorLines(r.stderr)[0] ?? '', /unknown job "no-such-job": not a job in jobs\/ \(.*word-count.*\)/);
});

test('a job that throws → task failed 4 times with the cause, exit 1, nothing visible', (t) => {
  const out = path.join(dir, 'throws');
  const r = bsctl(['run', 'test/fixtures/jobs/throws.ts', '--input', input, '--output', out]);
  t.is(r.code, 1);
  t.regex(r.stderr, /bsctl: error: task task_\S+_m_000000 failed 4 times; last error: cannot map line "b a"/);
  t.regex(r.stderr, /probable cause: the job's code threw: .*throws\.ts/);
  t.is((r.stderr.match(/\(retrying\)/g) ?? []).length, 3);
  t.false(fs.existsSync(out));
  t.deepEqual(leftovers(out), []);
});

test('a user job module given by path runs (no build step)', (t) => {
  const out = path.join(dir, 'userjob');
  const r = bsctl(['run', path.join(ROOT, 'test/fixtures/jobs/slow-count.ts'), '--input', input, '--output', out, '--conf', 'sleep.ms=0']);
  t.is(r.code, 0, r.stderr);
  t.is(outputLines(out), 'A\t1\nB\t1\na\t1\nb\t1\nc\t1');
});

test('bsctl jobs lists bundled jobs with descriptions; --help documents run options', (t) => {
  const jobs = bsctl(['jobs']);
  t.is(jobs.code, 0);
  t.regex(jobs.stdout, /^word-count\s+Count words/m);
  const help = bsctl(['run', '--help']);
  t.is(help.code, 0);
  for (const opt of ['--input', '--output', '--reducers', '--runner', '--split-size', '--sort-mb', '--overwrite']) t.true(help.stdout.includes(opt), opt);
});

test('usage errors exit 2; bad option values name the option', (t) => {
  const r = bsctl(['run', 'word-count', '--output', path.join(dir, 'y')]);
  t.is(r.code, 2);
  t.regex(r.stderr, /Missing required argument: input/);
  const bad = bsctl(['run', 'word-count', '--input', input, '--output', path.join(dir, 'z'), '--split-size', 'lots']);
  t.is(bad.code, 1);
  t.regex(bad.stderr, /--split-size: "lots" is not a size/);
  const badRunner = bsctl(['run', 'word-count', '--input', input, '--output', path.join(dir, 'z'), '--runner', 'ssh']);
  t.is(badRunner.code, 2);
});

test('run arguments parse without running the handler', async (t) => {
  const argv = await runBuilder(yargs(['--input', 'a', '--input', 'b', '-o', 'out', '--split-size', '1m', '--conf', 'k=v']))
    .exitProcess(false)
    .parseAsync();
  t.deepEqual(argv.input, ['a', 'b']);
  t.is(argv.output, 'out');
  t.is(argv['split-size'], '1m');
  t.is(argv.runner, 'local');
  t.is(argv['sort-mb'], 100);
  t.deepEqual(argv.conf, ['k=v']);
});
