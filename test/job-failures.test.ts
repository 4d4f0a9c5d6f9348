/**
 * Job-level behaviour through runJob: failing tasks (retries, error message, nothing published, old
 * output kept), transient failures, multi-step and map-only jobs, counters, empty input.
 */
import test from 'ava';
import type { ExecutionContext } from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runJob } from '../framework/runner/driver.ts';

const job = (name: string): string => fileURLToPath(new URL(`./fixtures/jobs/${name}.ts`, import.meta.url));
const ALWAYS_FAILS = job('always-fails');
const FLAKY = job('flaky-word-count');
const INVERT = job('invert-count');
const MAP_ONLY = job('map-only');
const WRITE_MAP = job('write-map');
const VALUE_ORDER = job('value-order');

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bsctl-job-test-'));
test.after.always(() => fs.rmSync(root, { recursive: true, force: true }));
let n = 0;
/** A fresh directory with `in.txt` holding `text`, an output path `out`, and a private work root. */
function setup(text: string): { dir: string; input: string; out: string; work: string } {
  const dir = path.join(root, `t${n++}`);
  fs.mkdirSync(dir);
  const input = path.join(dir, 'in.txt');
  fs.writeFileSync(input, text);
  return { dir, input, out: path.join(dir, 'out'), work: path.join(dir, 'work') };
}

const TEXT = [
  'the quick brown fox',
  'jumps over the lazy dog',
  '漢字 😀 the end',
  '',
  'the the the fox',
  'a a a a a a a a a a a a',
  'b b c c c c c c c c c',
  'e e e e e e e e e e',
  'last line no newline',
].join('\n');

function wordCounts(text: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const line of text.split('\n')) for (const w of line.split(' ')) if (w) m.set(w, (m.get(w) ?? 0) + 1);
  return m;
}

/** Word → count pairs sorted by word (maps compare order-sensitively). */
const sorted = (pairs: Iterable<[string, number]>): [string, number][] => [...pairs].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));

/** All `part-*` lines of an output dir, as [key, value] pairs; checks no key is in two files. */
function readPairs(out: string): [string, string][] {
  const pairs: [string, string][] = [];
  for (const f of fs.readdirSync(out).filter((x) => x.startsWith('part-')).sort()) {
    for (const line of fs.readFileSync(path.join(out, f), 'utf8').split('\n')) {
      if (!line) continue;
      const tab = line.indexOf('\t');
      pairs.push([line.slice(0, tab), line.slice(tab + 1)]);
    }
  }
  return pairs;
}

function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const p = path.join(e.parentPath, e.name);
    out[path.relative(dir, p)] = e.isDirectory() ? '<dir>' : fs.readFileSync(p, 'base64');
  }
  return out;
}

/**
 * Nothing left behind: no hidden staging (or old-output) sibling next to the output, an empty work
 * root; the output exists exactly when `published`.
 */
function assertNoTrace(t: ExecutionContext, dir: string, out: string, work: string, published = false): void {
  t.is(fs.existsSync(out), published, published ? 'output dir must exist' : 'output dir must not exist');
  const strays = fs.readdirSync(dir).filter((e) => e.startsWith('.'));
  t.deepEqual(strays, [], 'no staging dir left next to the output');
  t.deepEqual(fs.existsSync(work) ? fs.readdirSync(work) : [], [], 'work root cleaned');
}

test('a mapper that always throws: the job fails naming the task, "failed 4 times" and a probable cause; nothing published', async (t) => {
  const { dir, input, out, work } = setup(TEXT);
  const logs: string[] = [];
  const err = await t.throwsAsync(
    runJob({ jobModule: ALWAYS_FAILS, input: [input], output: out, runner: 'inline', splitSize: 40, workRoot: work, log: (l) => logs.push(l) }),
  );
  const msg = err!.message;
  t.regex(msg, /task task_\S+_m_\d{6}/, msg);
  t.regex(msg, /failed 4 times/, msg);
  t.regex(msg, /boom: mapper always fails/, msg);
  t.regex(msg, /probable cause: .+/, msg);
  t.regex(msg, /probable cause: the job's code threw.*always-fails\.ts/, msg);
  // Four attempts of the failing task were made (attempt numbers 0..3).
  for (const a of [0, 1, 2, 3]) t.true(logs.some((l) => new RegExp(`attempt_\\S+_m_\\d{6}_${a} failed`).test(l)), `attempt ${a} logged`);
  assertNoTrace(t, dir, out, work);
});

test('a reducer that always throws: the job fails naming the reduce task; nothing published', async (t) => {
  const { dir, input, out, work } = setup(TEXT);
  const err = await t.throwsAsync(
    runJob({ jobModule: ALWAYS_FAILS, input: [input], output: out, runner: 'inline', conf: { failIn: 'reduce' }, reducers: 2, workRoot: work }),
  );
  t.regex(err!.message, /task task_\S+_r_\d{6} failed 4 times/, err!.message);
  t.regex(err!.message, /boom: reducer always fails/);
  t.regex(err!.message, /probable cause/);
  assertNoTrace(t, dir, out, work);
});

test('maxAttempts is honoured in the failure message', async (t) => {
  const { dir, input, out, work } = setup(TEXT);
  const err = await t.throwsAsync(runJob({ jobModule: ALWAYS_FAILS, input: [input], output: out, runner: 'inline', maxAttempts: 2, workRoot: work }));
  t.regex(err!.message, /failed 2 times/, err!.message);
  assertNoTrace(t, dir, out, work);
});

test('with an existing output and overwrite, a failing job leaves the old output byte-identical', async (t) => {
  const { dir, input, out, work } = setup(TEXT);
  fs.mkdirSync(path.join(out, 'sub'), { recursive: true });
  fs.writeFileSync(path.join(out, 'part-r-00000'), 'old\t1\n');
  fs.writeFileSync(path.join(out, 'part-r-00001'), Buffer.from([0xff, 0x00, 0x0a]));
  fs.writeFileSync(path.join(out, 'sub', 'keep'), 'nested');
  fs.writeFileSync(path.join(out, '_SUCCESS'), '');
  const before = snapshot(out);
  for (const failIn of ['map', 'reduce']) {
    await t.throwsAsync(
      runJob({ jobModule: ALWAYS_FAILS, input: [input], output: out, runner: 'inline', overwrite: true, conf: { failIn }, workRoot: work }),
      { message: /failed 4 times/ },
    );
    t.deepEqual(snapshot(out), before, `old output after a job failing in ${failIn}`);
  }
  assertNoTrace(t, dir, out, work, true);
});

test('an existing output without overwrite is refused before anything runs', async (t) => {
  const { dir, input, out, work } = setup(TEXT);
  fs.mkdirSync(out);
  fs.writeFileSync(path.join(out, 'part-r-00000'), 'old\n');
  const before = snapshot(out);
  const err = await t.throwsAsync(runJob({ jobModule: FLAKY, input: [input], output: out, runner: 'inline', conf: { flaky: 'off' }, workRoot: work }));
  t.regex(err!.message, /already exists/);
  t.true(err!.message.includes(out));
  t.deepEqual(snapshot(out), before);
  assertNoTrace(t, dir, out, work, true);
});

test('a mapper and reducer failing on attempt 0 only: the job succeeds with exact output; failed attempts do not count', async (t) => {
  const { dir, input, out, work } = setup(TEXT);
  const logs: string[] = [];
  const report = await runJob({
    jobModule: FLAKY,
    input: [input],
    output: out,
    runner: 'inline',
    splitSize: 30,
    reducers: 3,
    conf: { flakyReduce: 'on' },
    workRoot: work,
    log: (l) => logs.push(l),
  });
  const expected = wordCounts(TEXT);
  const got = readPairs(out);
  t.deepEqual(sorted(got.map(([w, c]) => [w, Number(c)])), sorted(expected));
  t.is(got.length, expected.size, 'each word once');
  t.true(fs.existsSync(path.join(out, '_SUCCESS')));
  t.true(logs.some((l) => /attempt_\S+_m_\d{6}_0 failed: flaky mapper.*\(retrying\)/.test(l)), 'a map attempt 0 failed and was retried');
  t.true(logs.some((l) => /attempt_\S+_r_\d{6}_0 failed: flaky reducer.*\(retrying\)/.test(l)), 'a reduce attempt 0 failed and was retried');
  // Counters only from the successful attempts.
  const lines = TEXT.split('\n').length;
  const words = [...expected.values()].reduce((a, b) => a + b, 0);
  t.is(report.counters.user?.lines, lines);
  t.is(report.counters.wc?.words, words);
  t.is(report.counters.wc?.groups, expected.size);
  t.is(report.counters['Map-Reduce Framework']?.['Map input records'], lines);
  t.is(report.counters['Map-Reduce Framework']?.['Reduce output records'], expected.size);
  t.is(report.reduces, 3);
  assertNoTrace(t, dir, out, work, true);
});

test('a two-step job (word count, then count → words) gives the right answer, numeric key order in step 2', async (t) => {
  const { dir, input, out, work } = setup(TEXT);
  for (const splitSize of [16, 1000]) {
    const o = `${out}-${splitSize}`;
    const report = await runJob({ jobModule: INVERT, input: [input], output: o, runner: 'inline', splitSize, workRoot: work });
    // Oracle: group words by count.
    const byCount = new Map<number, string[]>();
    for (const [w, c] of wordCounts(TEXT)) byCount.set(c, [...(byCount.get(c) ?? []), w]);
    const expected = [...byCount.keys()].sort((a, b) => a - b).map((c) => [String(c), byCount.get(c)!.sort().join(' ')]);
    // Step 2 has one reducer: a single part file, sorted numerically (9 before 10 before 12).
    const parts = fs.readdirSync(o).filter((f) => f.startsWith('part-'));
    t.deepEqual(parts, ['part-r-00000']);
    t.deepEqual(readPairs(o), expected, `split size ${splitSize}`);
    t.true(expected.some(([c]) => c === '9') && expected.some(([c]) => c === '10'), 'the data has counts 9 and 10');
    t.is(report.reduces, 3 + 1, 'step 1 has 3 reducers, step 2 has 1');
    t.true(fs.existsSync(path.join(o, '_SUCCESS')));
  }
  assertNoTrace(t, dir, out, work);
});

test('a map-only job writes part-m-* files holding every record, in input order', async (t) => {
  const text = '# comment\nalpha\n漢字 beta\n\n# another\ngamma 😀\nlast';
  const { dir, input, out, work } = setup(text);
  const report = await runJob({ jobModule: MAP_ONLY, input: [input], output: out, runner: 'inline', splitSize: 7, workRoot: work });
  const files = fs.readdirSync(out).sort();
  const parts = files.filter((f) => f.startsWith('part-'));
  t.true(parts.length > 1, 'several map tasks');
  t.true(parts.every((f) => /^part-m-\d{5}$/.test(f)), parts.join(' '));
  t.is(parts.length, report.maps);
  t.deepEqual(files, [...parts, '_SUCCESS'].sort());
  t.is(report.reduces, 0);
  // Oracle: every non-comment line with its byte offset, uppercased, in file order.
  const expected: [string, string][] = [];
  let off = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith('#')) expected.push([String(off), line.toUpperCase()]);
    off += Buffer.byteLength(line) + 1;
  }
  t.deepEqual(readPairs(out), expected);
  t.is(report.counters.user?.dropped, 2);
  t.is(report.counters['Map-Reduce Framework']?.['Map output records'], expected.length);
  assertNoTrace(t, dir, out, work, true);
});

test('custom counters (default and named groups) are summed over all tasks in the report', async (t) => {
  const { input, out, work } = setup(TEXT);
  const report = await runJob({ jobModule: FLAKY, input: [input], output: out, runner: 'inline', splitSize: 10, reducers: 4, conf: { flaky: 'off' }, workRoot: work });
  t.true(report.maps > 5, `${report.maps} map tasks`);
  const expected = wordCounts(TEXT);
  t.is(report.counters.user?.lines, TEXT.split('\n').length);
  t.is(report.counters.wc?.words, [...expected.values()].reduce((a, b) => a + b, 0));
  t.is(report.counters.wc?.groups, expected.size);
  t.is(report.counters['Map-Reduce Framework']?.['Reduce input groups'], expected.size);
});

test('reducers receive each key\'s values in input order, across map tasks', async (t) => {
  const lines = Array.from({ length: 60 }, (_, i) => `${'abc'[i % 3]}${'x'.repeat(i % 5)}`);
  const text = lines.join('\n');
  const { input, out, work } = setup(text);
  const offsets: number[] = [];
  let off = 0;
  for (const l of lines) {
    offsets.push(off);
    off += Buffer.byteLength(l) + 1;
  }
  for (const splitSize of [5, 23, 10_000]) {
    const o = `${out}-${splitSize}`;
    await runJob({ jobModule: VALUE_ORDER, input: [input], output: o, runner: 'inline', splitSize, reducers: 2, workRoot: work });
    const got = new Map(readPairs(o));
    t.is(got.get('all'), offsets.join(','), `split size ${splitSize}: key "all"`);
    for (const c of 'abc') {
      t.is(got.get(`first:${c}`), offsets.filter((_, i) => lines[i]![0] === c).join(','), `split size ${splitSize}: key first:${c}`);
    }
  }
});

test('a mapper may write pairs with ctx.write and yield others: both reach the output, in the order produced', async (t) => {
  const text = 'alpha\nbeta gamma\n\ndelta\n';
  const { input, out, work } = setup(text);
  await runJob({ jobModule: WRITE_MAP, input: [input], output: out, runner: 'inline', splitSize: 7, workRoot: work });
  const expected: [string, string][] = [];
  let off = 0;
  for (const line of text.split('\n').slice(0, -1)) {
    expected.push([String(off), `w ${line}`], [String(off), `y ${line}`]);
    off += Buffer.byteLength(line) + 1;
  }
  t.deepEqual(readPairs(out), expected);
});

test('empty input is a clear error: "input is empty"; nothing created', async (t) => {
  const { dir, input, out, work } = setup('');
  await t.throwsAsync(runJob({ jobModule: FLAKY, input: [input], output: out, runner: 'inline', workRoot: work }), { message: /input is empty/ });
  assertNoTrace(t, dir, out, work);
  // A directory holding only hidden files is empty input too.
  const hidden = path.join(dir, 'hidden-only');
  fs.mkdirSync(hidden);
  fs.writeFileSync(path.join(hidden, '_SUCCESS'), '');
  fs.writeFileSync(path.join(hidden, '.crc'), 'x\n');
  await t.throwsAsync(runJob({ jobModule: FLAKY, input: [hidden], output: out, runner: 'inline', workRoot: work }), { message: /input is empty/ });
  assertNoTrace(t, dir, out, work);
});

test('local runner, 2 workers: attempt-0 failures in worker processes are retried; exact output and counters', async (t) => {
  const { dir, input, out, work } = setup(TEXT);
  const report = await runJob({
    jobModule: FLAKY,
    input: [input],
    output: out,
    runner: 'local',
    workers: 2,
    splitSize: 60,
    reducers: 2,
    conf: { flakyReduce: 'on' },
    workRoot: work,
  });
  const expected = wordCounts(TEXT);
  t.deepEqual(sorted(readPairs(out).map(([w, c]) => [w, Number(c)])), sorted(expected));
  t.is(report.counters.user?.lines, TEXT.split('\n').length);
  t.is(report.counters.wc?.groups, expected.size);
  t.true(fs.existsSync(path.join(out, '_SUCCESS')));
  assertNoTrace(t, dir, out, work, true);
});
