/**
 * Joins (issue 11) on the inline and local runners: every strategy (replicated, reduce, bloom, auto)
 * and kind (inner, left, semi, anti) against an independent in-memory oracle (test/helpers/join-data.ts)
 * on seeded data with duplicate keys on both sides, keys on one side only, an empty side, a side bigger
 * than the job's input and a key with a million records; auto's choice and reason; the Bloom join's
 * counters; and bad input (missing / unknown / absent side, records without a key, duplicates on a
 * unique side, a replicated side over its budget): one clear error, the run fails, no output.
 */
import test from 'ava';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JoinKind } from '../framework/job/join.ts';
import { runJob, type JobReport } from '../framework/runner/driver.ts';
import { bsctl, errorLines, leftovers, tempDir } from './helpers/cli.ts';
import { joinedLines, KINDS, oracle, range, rows, seeded, STRATEGIES, writeTsv, type Rec } from './helpers/join-data.ts';

const JOB = fileURLToPath(new URL('./fixtures/jobs/join-kinds.ts', import.meta.url));
const dir = tempDir('join');
test.after.always(() => fs.rmSync(dir, { recursive: true, force: true }));

type Strategy = (typeof STRATEGIES)[number];

/**
 * A job output path in a parent directory of its own (jobs run concurrently here; that two jobs
 * can share a parent is tested on its own at the end).
 */
function outPath(name: string): string {
  const parent = path.join(dir, 'runs', name);
  fs.mkdirSync(parent, { recursive: true });
  return path.join(parent, 'out');
}
const GROUP = 'Join side';

interface DataSet {
  readonly jobFiles: readonly string[];
  readonly sideFiles: readonly string[];
  readonly job: readonly Rec[];
  readonly side: readonly Rec[];
}

function dataSet(name: string, job: readonly (readonly string[][])[], side: readonly string[][]): DataSet {
  const jobFiles = job.map((_, i) => path.join(dir, name, `job-${i}.tsv`));
  const sideFile = path.join(dir, name, 'side.tsv');
  return { jobFiles, sideFiles: [sideFile], job: job.flatMap((r, i) => writeTsv(jobFiles[i]!, r)), side: writeTsv(sideFile, side) };
}

const rand = seeded(11);
/** Keys k0000..k0119 on the job's side (two files), k0060..k0179 on the side, 1 to 3 times each. */
const MAIN = dataSet('main', [rows('L', range(0, 120), rand, { count: 1200 }), rows('M', range(0, 120), rand, { count: 800 })], rows('R', range(60, 180), rand, { perKey: 3 }));
const EMPTY = dataSet('empty', [rows('L', range(0, 50), rand, { count: 400 })], []);
/** The side (~90 keys, up to 60 records each) much bigger than the job's input (300 records). */
const BIG_SIDE = dataSet('big-side', [rows('L', range(0, 60), rand, { count: 300 })], rows('R', range(30, 120), rand, { perKey: 60 }));
/** 4000 records over 2000 keys; the side: 100 unique keys (every other of the first 200), ~2% of the bytes. */
const SMALL_UNIQUE = dataSet('small-unique', [rows('L', range(0, 2000), rand, { count: 4000 })], rows('R', range(0, 100).map((i) => 2 * i), rand, { perKey: 1 }));

const bytes = (files: readonly string[]): number => files.reduce((n, f) => n + fs.statSync(f).size, 0);
const keysOf = (recs: readonly Rec[]): Map<string, number> => {
  const m = new Map<string, number>();
  for (const r of recs) if (r.cols[0]) m.set(r.cols[0], (m.get(r.cols[0]) ?? 0) + 1);
  return m;
};

test('the generated data has what the cases need', (t) => {
  const job = keysOf(MAIN.job);
  const side = keysOf(MAIN.side);
  t.true([...side].some(([k, n]) => n > 1 && (job.get(k) ?? 0) > 1), 'a key duplicated on both sides (a cross product)');
  t.true([...job.keys()].some((k) => !side.has(k)), 'a key on the job side only');
  t.true([...side.keys()].some((k) => !job.has(k)), 'a key on the side only');
  t.is(MAIN.jobFiles.length, 2);
  t.is(fs.statSync(EMPTY.sideFiles[0]!).size, 0);
  t.true(bytes(BIG_SIDE.sideFiles) > 4 * bytes(BIG_SIDE.jobFiles));
  t.true([...keysOf(SMALL_UNIQUE.side).values()].every((n) => n === 1));
  t.true(bytes(SMALL_UNIQUE.sideFiles) < 0.1 * bytes(SMALL_UNIQUE.jobFiles));
  // The oracle itself, on a hand-made case: 2 x 2 pairs for k0001, k0002 on the job's side only.
  const j = [{ file: 'j', offset: 0, cols: ['k0001', 'a'] }, { file: 'j', offset: 8, cols: ['k0001', 'b'] }, { file: 'j', offset: 16, cols: ['k0002', 'c'] }, { file: 'j', offset: 24, cols: ['', 'x'] }];
  const s = [{ file: 's', offset: 0, cols: ['k0001', 'r'] }, { file: 's', offset: 8, cols: ['k0001', 'q'] }, { file: 's', offset: 16, cols: ['k0003', 'z'] }];
  t.deepEqual(oracle('inner', j, s), ['k0001\tk0001,a\tk0001,q', 'k0001\tk0001,a\tk0001,r', 'k0001\tk0001,b\tk0001,q', 'k0001\tk0001,b\tk0001,r']);
  t.deepEqual(oracle('left', j, s).filter((l) => l.endsWith('\t-')), ['k0002\tk0002,c\t-']);
  t.deepEqual(oracle('semi', j, s), ['0\tk0001,a', '8\tk0001,b']);
  t.deepEqual(oracle('anti', j, s), ['16\tk0002,c']);
});

interface Run {
  readonly report: JobReport;
  readonly lines: string[];
  readonly logs: string[];
}

let outputs = 0;
async function join(kind: JoinKind, data: DataSet, opts: { strategy?: Strategy; runner?: 'inline' | 'local'; conf?: Record<string, string>; reducers?: number } = {}): Promise<Run> {
  const out = outPath(`${++outputs}-${kind}-${opts.strategy ?? 'auto'}`);
  const logs: string[] = [];
  const report = await runJob({
    jobModule: JOB,
    jobExport: kind,
    input: [...data.jobFiles],
    sides: { side: [...data.sideFiles] },
    output: out,
    runner: opts.runner ?? 'inline',
    workers: 2,
    splitSize: 4096,
    reducers: opts.reducers ?? 2,
    conf: { ...(opts.strategy && opts.strategy !== 'auto' ? { 'bsctl.join.strategy': opts.strategy } : {}), ...opts.conf },
    log: (l) => logs.push(l),
  });
  const lines = joinedLines(kind, out);
  fs.rmSync(out, { recursive: true, force: true });
  return { report, lines, logs };
}

/** The strategy a forced run must use: bloom cannot drop a left or anti join's records. */
function expectedStrategy(strategy: Strategy, kind: JoinKind): string {
  if (strategy === 'auto') return 'replicated'; // every side here is within the default 10 MiB
  if (strategy === 'bloom' && (kind === 'left' || kind === 'anti')) return 'reduce';
  return strategy;
}

async function equalsOracle(t: import('ava').ExecutionContext, kind: JoinKind, data: DataSet, strategy: Strategy, runner: 'inline' | 'local' = 'inline'): Promise<Run> {
  const run = await join(kind, data, { strategy, runner });
  const expected = oracle(kind, data.job, data.side);
  t.deepEqual(run.lines, expected);
  t.is(run.report.joins.length, 1);
  t.like(run.report.joins[0], { side: 'side', kind, strategy: expectedStrategy(strategy, kind) });
  if (strategy === 'bloom' && expectedStrategy(strategy, kind) === 'reduce') t.regex(run.report.joins[0]!.reason, new RegExp(`bloom asked for, but a ${kind} join keeps records a filter would drop`));
  t.is(run.report.counters[GROUP]?.['Output records'] ?? 0, expected.length);
  return run;
}

for (const strategy of STRATEGIES) {
  for (const kind of KINDS) {
    test(`inline, ${strategy}, ${kind}: duplicate keys on both sides and keys on one side only equal the oracle`, async (t) => {
      await equalsOracle(t, kind, MAIN, strategy);
      t.true(oracle(kind, MAIN.job, MAIN.side).length > 100);
    });
    test(`inline, ${strategy}, ${kind}: an empty side file equals the oracle`, async (t) => {
      await equalsOracle(t, kind, EMPTY, strategy);
      t.is(oracle(kind, EMPTY.job, EMPTY.side).length, kind === 'left' || kind === 'anti' ? EMPTY.job.length : 0);
    });
  }
}

for (const strategy of ['reduce', 'bloom', 'replicated'] as const) {
  for (const kind of KINDS) {
    test(`inline, ${strategy}, ${kind}: a side bigger than the job's input (reduce buffers the job's side) equals the oracle`, async (t) => {
      const run = await equalsOracle(t, kind, BIG_SIDE, strategy);
      t.true(run.report.joins[0]!.sideBytes > run.report.joins[0]!.jobBytes);
    });
  }
}

// The local runner (worker processes): each strategy with two kinds, and the bigger side buffered.
for (const [strategy, kinds] of [['replicated', ['left', 'anti']], ['reduce', ['inner', 'semi']], ['bloom', ['inner', 'semi']]] as const) {
  for (const kind of kinds) {
    test(`local, ${strategy}, ${kind}: equals the oracle`, async (t) => {
      const run = await equalsOracle(t, kind, MAIN, strategy, 'local');
      t.true(run.report.maps > 2, `${run.report.maps} maps`);
    });
  }
}
test('local, reduce, left: a side bigger than the job input equals the oracle', async (t) => {
  await equalsOracle(t, 'left', BIG_SIDE, 'reduce', 'local');
});

// One key with a million records on the job's side: the reduce-side join streams them past the side.
const SKEW_DIR = path.join(dir, 'skew');
const HOT = 1_000_000;
const skew = ((): { job: string; side: string; expected: string[]; matched: number; records: number } => {
  fs.mkdirSync(SKEW_DIR, { recursive: true });
  const job = path.join(SKEW_DIR, 'job.tsv');
  const side = path.join(SKEW_DIR, 'side.tsv');
  const cold = new Map<string, number>();
  const fd = fs.openSync(job, 'w');
  let chunk = '';
  let records = 0;
  for (let i = 0; i < HOT + 10_000; i++) {
    if (i % 101 === 100) {
      const k = `c${(i * 7) % 13}`;
      cold.set(k, (cold.get(k) ?? 0) + 1);
      chunk += `${k}\tx\n`;
    } else chunk += 'hot\tx\n';
    records++;
    if (chunk.length > 1 << 16) {
      fs.writeSync(fd, chunk);
      chunk = '';
    }
  }
  fs.writeSync(fd, chunk);
  fs.closeSync(fd);
  // hot twice (a million pairs each), c1 once, c2 twice, zz on the side only.
  fs.writeFileSync(side, 'hot\tR1\nc1\tS1\nhot\tR2\nc2\tS2\nzz\tZ\nc2\tS3\n');
  const c1 = cold.get('c1')!;
  const c2 = cold.get('c2')!;
  const expected = [`hot\tR1\t${HOT}`, `hot\tR2\t${HOT}`, `c1\tS1\t${c1}`, `c2\tS2\t${c2}`, `c2\tS3\t${c2}`].sort();
  return { job, side, expected, matched: HOT + c1 + c2, records };
})();

for (const strategy of ['reduce', 'bloom'] as const) {
  test(`inline, ${strategy}, inner: a key with 1,000,000 records on the job's side gives exactly its pairs`, async (t) => {
    const out = outPath(`skew-${strategy}`);
    const report = await runJob({ jobModule: JOB, jobExport: 'skewCount', input: [skew.job], sides: { side: [skew.side] }, output: out, runner: 'inline', splitSize: 2 << 20, conf: { 'bsctl.join.strategy': strategy } });
    const lines = fs.readdirSync(out).filter((f) => f.startsWith('part-')).flatMap((f) => fs.readFileSync(path.join(out, f), 'utf8').split('\n').filter(Boolean));
    t.deepEqual(lines.sort(), skew.expected);
    const c = report.counters[GROUP]!;
    t.is(c['Output records'], 2 * HOT + skew.expected.slice(0, 3).reduce((n, l) => n + Number(l.split('\t')[2]), 0));
    t.is(c['Side records without a match'], 1, 'zz');
    t.is(report.counters['Map-Reduce Framework']?.['Map input records'], skew.records + 6);
    if (strategy === 'bloom') t.is((c['Bloom filter dropped records'] ?? 0) + (c['Bloom false positives removed'] ?? 0), skew.records - skew.matched);
    t.is(report.joins[0]!.strategy, strategy);
    fs.rmSync(out, { recursive: true, force: true });
  });
}

// auto's choice, and the reason it prints and keeps in the report.
test('auto: a side within the replicated budget is replicated, and the run says why', async (t) => {
  const run = await join('inner', MAIN);
  t.deepEqual(run.lines, oracle('inner', MAIN.job, MAIN.side));
  t.like(run.report.joins[0], { step: 0, side: 'side', kind: 'inner', strategy: 'replicated', sideBytes: bytes(MAIN.sideFiles), jobBytes: bytes(MAIN.jobFiles) });
  t.regex(run.report.joins[0]!.reason, /^side side is 0\.0 MiB, within the replicated budget of 10\.0 MiB$/);
  t.true(run.logs.some((l) => l.endsWith(`step 0 joins with side (inner): strategy replicated, ${run.report.joins[0]!.reason}`)), run.logs.join('\n'));
  t.is(run.report.reduces, 0, 'a map-side join: no reduce');
});

for (const kind of KINDS) {
  const filterable = kind === 'inner' || kind === 'semi';
  test(`auto, ${kind}: a side over the budget and under 10% of the job's input is ${filterable ? 'bloom' : 'reduce (never bloom)'}`, async (t) => {
    const run = await join(kind, SMALL_UNIQUE, { conf: { 'bsctl.join.replicated.mb': '0.0005' } });
    t.deepEqual(run.lines, oracle(kind, SMALL_UNIQUE.job, SMALL_UNIQUE.side));
    const j = run.report.joins[0]!;
    t.is(j.strategy, filterable ? 'bloom' : 'reduce');
    t.regex(j.reason, filterable ? /over the replicated budget of 0\.0 MiB and under 10% of the job's/ : new RegExp(`over the replicated budget of 0\\.0 MiB \\(a ${kind} join: no Bloom filter\\)`));
    t.is(j.filter !== undefined, filterable);
    t.true(run.logs.some((l) => l.includes(`joins with side (${kind}): strategy ${j.strategy}, ${j.reason}`)));
  });
}

for (const kind of ['inner', 'semi'] as const) {
  test(`auto, ${kind}: a side over the budget and over 10% of the job's input is reduce`, async (t) => {
    const run = await join(kind, MAIN, { conf: { 'bsctl.join.replicated.mb': '0.001' } });
    t.deepEqual(run.lines, oracle(kind, MAIN.job, MAIN.side));
    t.is(run.report.joins[0]!.strategy, 'reduce');
    t.regex(run.report.joins[0]!.reason, /over the replicated budget of 0\.0 MiB and over 10% of the job's 0\.0 MiB/);
  });
}

// The Bloom join's counters add up: each of the job's records is dropped by the filter, removed at
// the reduce as a false positive, or joined (the side's keys are unique: one output record each).
for (const [kind, fpr] of [['inner', '0.3'], ['semi', '0.3'], ['inner', undefined]] as const) {
  test(`bloom, ${kind}, fpr ${fpr ?? 'default'}: dropped + false positives + output = the job's records`, async (t) => {
    const run = await join(kind, SMALL_UNIQUE, { strategy: 'bloom', ...(fpr ? { conf: { 'bsctl.join.bloom.fpr': fpr } } : {}) });
    const expected = oracle(kind, SMALL_UNIQUE.job, SMALL_UNIQUE.side);
    t.deepEqual(run.lines, expected);
    const c = run.report.counters[GROUP]!;
    const dropped = c['Bloom filter dropped records'] ?? 0;
    const fp = c['Bloom false positives removed'] ?? 0;
    t.is(dropped + fp + (c['Output records'] ?? 0), SMALL_UNIQUE.job.length);
    t.is(c['Output records'], expected.length);
    const passedWrongly = fp / (dropped + fp);
    if (fpr) {
      t.true(fp > 0 && dropped > 0, `dropped ${dropped}, false positives ${fp}`);
      t.true(passedWrongly > 0.15 && passedWrongly < 0.45, `false-positive share ${passedWrongly}`);
    } else {
      t.true(passedWrongly < 0.05, `false-positive share ${passedWrongly} at the default 1%`);
    }
    const filter = run.report.joins[0]!.filter!;
    t.is(filter.keys, 100);
    t.is(c['Bloom filter keys'], 100);
    t.is(c['Bloom filter bits'], filter.bits);
    t.true(filter.bits > 100 && filter.bytes > 0);
    const jobKeys = keysOf(SMALL_UNIQUE.job);
    t.is(c['Side records without a match'] ?? 0, SMALL_UNIQUE.side.filter((r) => !jobKeys.has(r.cols[0]!)).length);
  });
}

// Bad input.
function failsCleanly(t: import('ava').ExecutionContext, args: readonly string[], out: string, error: RegExp): void {
  const r = bsctl(['run', JOB, '--input', MAIN.jobFiles[0]!, '--output', out, ...args]);
  t.not(r.code, 0, r.stderr);
  const errors = errorLines(r.stderr);
  t.true(errors.length >= 1 && error.test(errors[0]!), `expected ${error} in:\n${r.stderr}`);
  t.false(fs.existsSync(out), 'no output');
  t.deepEqual(leftovers(out), []);
}

test('CLI: a side path that does not exist fails naming the side and the path', (t) => {
  const missing = path.join(dir, 'no-such-side.tsv');
  failsCleanly(t, ['--side', `side=${missing}`], outPath('bad-missing'), new RegExp(`side.*${missing.replace(/[.]/g, '\\.')}|${missing.replace(/[.]/g, '\\.')}.*side`));
});

test('CLI: no side given (no --side and no paths) fails naming the side and the flag', (t) => {
  failsCleanly(t, [], outPath('bad-no-side'), /join with side: no input for the side: give --side side=PATH/);
});

test('CLI: --side naming a side the job does not have fails naming it and the job\'s sides', (t) => {
  failsCleanly(t, ['--side', `side=${MAIN.sideFiles[0]}`, '--side', `nope=${MAIN.sideFiles[0]}`], outPath('bad-unknown'), /--side nope: job join-inner has no join side nope \(its sides: side\)/);
});

test('CLI: a replicated side over its budget fails naming the side, its size and the budget', (t) => {
  const size = bytes(MAIN.sideFiles);
  failsCleanly(t, ['--side', `side=${MAIN.sideFiles[0]}`, '--conf', 'bsctl.join.strategy=replicated', '--conf', 'bsctl.join.replicated.mb=0.001'], outPath('bad-budget'), new RegExp(`join with side: the replicated side is ${size} bytes .*over its memory budget of 1048(\\.576)? bytes.*bsctl\\.join\\.replicated\\.mb`));
});

/** A job file and a side file, each with one record without a key (an empty key column) at a known offset. */
const NOKEY = ((): { job: string; side: string; jobOffset: number; sideOffset: number; recs: { job: Rec[]; side: Rec[] }; cleanJob: string; cleanSide: string } => {
  const r = seeded(5);
  const jobRows = rows('L', range(0, 40), r, { count: 200 });
  const sideRows = rows('R', range(20, 60), r, { perKey: 2 });
  jobRows.splice(77, 0, ['', 'L-nokey']);
  sideRows.splice(13, 0, ['', 'R-nokey']);
  const job = writeTsv(path.join(dir, 'nokey', 'job.tsv'), jobRows);
  const side = writeTsv(path.join(dir, 'nokey', 'side.tsv'), sideRows);
  const cleanJob = path.join(dir, 'nokey', 'clean-job.tsv');
  const cleanSide = path.join(dir, 'nokey', 'clean-side.tsv');
  writeTsv(cleanJob, jobRows.filter((c) => c[0]));
  writeTsv(cleanSide, sideRows.filter((c) => c[0]));
  return { job: job[0]!.file, side: side[0]!.file, jobOffset: job[77]!.offset, sideOffset: side[13]!.offset, recs: { job, side }, cleanJob, cleanSide };
})();

for (const strategy of ['replicated', 'reduce', 'bloom'] as const) {
  test(`${strategy}: a record whose key extractor gives undefined is a bad record with file and byte offset`, async (t) => {
    const run = (input: string, side: string, out: string, maxBadRecords: number): Promise<JobReport> =>
      runJob({ jobModule: JOB, jobExport: 'inner', input: [input], sides: { side: [side] }, output: out, runner: 'inline', splitSize: 1024, maxBadRecords, conf: { 'bsctl.join.strategy': strategy } });
    // Not tolerated: the job fails naming the file and offset, nothing is published.
    for (const [input, side, file, offset, who] of [[NOKEY.job, NOKEY.cleanSide, NOKEY.job, NOKEY.jobOffset, 'the job'], [NOKEY.cleanJob, NOKEY.side, NOKEY.side, NOKEY.sideOffset, 'side']] as const) {
      const out = outPath(`nokey-${strategy}-${who.replace(' ', '-')}`);
      const err = await t.throwsAsync(run(input, side, out, 0));
      t.true(err!.message.includes(`${file} at byte ${offset}: no join key (${who})`), err!.stack);
      t.false(fs.existsSync(out));
      t.deepEqual(leftovers(out), []);
    }
    // Tolerated: the job succeeds, the report lists both (once each), the rest is joined.
    const out = outPath(`nokey-${strategy}-ok`);
    const report = await run(NOKEY.job, NOKEY.side, out, 10);
    t.is(report.badRecordCount, 2);
    t.deepEqual(
      report.badRecords.map((b) => [b.path, b.offset, b.reason]).sort(),
      [[NOKEY.job, NOKEY.jobOffset, 'no join key (the job)'], [NOKEY.side, NOKEY.sideOffset, 'no join key (side)']].sort(),
    );
    t.deepEqual(joinedLines('inner', out), oracle('inner', NOKEY.recs.job, NOKEY.recs.side));
  });
}

test('replicated: duplicate keys on a side declared unique fail before any task runs, naming the key', async (t) => {
  const out = outPath('dup-replicated');
  const logs: string[] = [];
  let progress = 0;
  const err = await t.throwsAsync(
    runJob({ jobModule: JOB, jobExport: 'innerUnique', input: [...MAIN.jobFiles], sides: { side: [...MAIN.sideFiles] }, output: out, runner: 'inline', conf: { 'bsctl.join.strategy': 'replicated' }, log: (l) => logs.push(l), onProgress: () => progress++ }),
  );
  t.regex(err!.message, /join with side: key "k\d{4}" appears more than once on side side, declared unique/);
  t.deepEqual(logs.filter((l) => l.includes('attempt')), []);
  t.is(progress, 0, 'no task started');
  t.false(fs.existsSync(out));
  t.deepEqual(leftovers(out), []);
});

for (const [strategy, data, what] of [['reduce', MAIN, 'the side smaller'], ['reduce', BIG_SIDE, 'the side bigger (the job side buffered)'], ['bloom', MAIN, 'bloom']] as const) {
  test(`${strategy}, ${what}: duplicate keys on a side declared unique fail once, not retried, naming the key`, async (t) => {
    const out = outPath(`dup-${strategy}-${data === BIG_SIDE ? 'big' : 'small'}`);
    const logs: string[] = [];
    const err = await t.throwsAsync(
      runJob({ jobModule: JOB, jobExport: 'innerUnique', input: [...data.jobFiles], sides: { side: [...data.sideFiles] }, output: out, runner: 'inline', reducers: 1, conf: { 'bsctl.join.strategy': strategy }, log: (l) => logs.push(l) }),
    );
    t.regex(err!.message, /key "k\d{4}" appears \d+ times on side side, declared unique/);
    t.regex(err!.message, /not retried/);
    const failed = logs.filter((l) => / failed: /.test(l));
    t.is(failed.length, 1, logs.join('\n'));
    t.regex(failed[0]!, /_r_000000_0 failed: .*declared unique.*\(deterministic: not retried\)/);
    t.false(logs.some((l) => l.includes('(retrying)')));
    t.false(fs.existsSync(out));
    t.deepEqual(leftovers(out), []);
  });
}

test('a unique side without duplicates joins (the fixture\'s unique export is not broken)', async (t) => {
  const out = outPath('unique-ok');
  await runJob({ jobModule: JOB, jobExport: 'innerUnique', input: [...SMALL_UNIQUE.jobFiles], sides: { side: [...SMALL_UNIQUE.sideFiles] }, output: out, runner: 'inline', conf: { 'bsctl.join.strategy': 'reduce' } });
  t.deepEqual(joinedLines('inner', out), oracle('inner', SMALL_UNIQUE.job, SMALL_UNIQUE.side));
});

// Found by the tests above, which first ran their jobs with outputs side by side in one directory:
// a job lists its output's parent at the start (to sweep what killed runs left there), and an entry
// going between the listing's readdir and its stat of that entry — another job's staging dir
// committed (renamed to its output) or aborted at that moment — failed the job with `list <parent>:
// no such file or directory`. The stat below removes the entry first, as the other job would, so the
// test is deterministic.
test('a job starts when another job\'s staging dir in the same parent goes while the parent is listed', async (t) => {
  const parent = path.join(dir, 'list-race');
  const other = path.join(parent, '.other-out.bsctl-job_202601010000_00000000');
  fs.mkdirSync(other, { recursive: true });
  const stat = fsp.stat;
  fsp.stat = ((p: fs.PathLike, ...rest: unknown[]) => {
    if (p === other) fs.rmSync(other, { recursive: true, force: true });
    return (stat as (...a: unknown[]) => Promise<fs.Stats>)(p, ...rest);
  }) as typeof fsp.stat;
  const out = path.join(parent, 'out');
  try {
    await runJob({ jobModule: JOB, jobExport: 'inner', input: [...MAIN.jobFiles], sides: { side: [...MAIN.sideFiles] }, output: out, runner: 'inline' });
  } finally {
    fsp.stat = stat;
  }
  t.deepEqual(joinedLines('inner', out), oracle('inner', MAIN.job, MAIN.side));
});
