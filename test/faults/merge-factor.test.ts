/**
 * Bounded merge factor (`mapreduce.task.io.sort.factor`): multi-pass merges give exactly the records of
 * one k-way merge (equal keys in segment order) with at most `factor` segment files open; files are
 * closed and intermediate files removed on every path, errors included; a reduce of thousands of maps
 * runs under `ulimit -n 256` through the real CLI.
 */
import test from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { prng } from '../../scripts/bench/zipf-text.ts';
import { defineJob, textInput, textOutput, type Job } from '../../framework/job/index.ts';
import type { CombineFn } from '../../framework/job/types.ts';
import { encodeKey, encodeValue, decodeValue } from '../../framework/shuffle/codec.ts';
import { intermediateInput } from '../../framework/shuffle/intermediate.ts';
import { createCollector } from '../../framework/shuffle/collector.ts';
import { MultiPassMerger, passGroups } from '../../framework/shuffle/multi-pass-merge.ts';
import { hashPartitioner } from '../../framework/shuffle/partitioner.ts';
import { RunWriter } from '../../framework/shuffle/run-writer.ts';
import type { Segment } from '../../framework/shuffle/segment.ts';
import { DEFAULT_SORT_FACTOR, SORT_FACTOR_KEY, sortFactorOf } from '../../framework/shuffle/sort-factor.ts';
import { runReduceTask } from '../../framework/task/reduce-task.ts';
import type { ReduceTaskSpec } from '../../framework/task/spec.ts';
import { bsctl, errorLines, leftovers, tempDir } from '../helpers/cli.ts';

const root = tempDir('merge-factor');
test.after.always(() => fs.rmSync(root, { recursive: true, force: true }));
let seq = 0;
const freshDir = (name: string): string => {
  const d = path.join(root, `${name}-${seq++}`);
  fs.mkdirSync(d, { recursive: true });
  return d;
};

const openFds = (): number => fs.readdirSync('/proc/self/fd').length;

/**
 * Run `fn` recording the number of open descriptors of this process right after every `fs.openSync`
 * (the moments the count can peak). Returns the peak minus the count before `fn`.
 */
function peakFds<T>(fn: () => T): { result: T; peak: number } {
  const base = openFds();
  let peak = 0;
  const original = fs.openSync;
  fs.openSync = ((...args: Parameters<typeof fs.openSync>) => {
    const fd = original(...args);
    peak = Math.max(peak, openFds() - base);
    return fd;
  }) as typeof fs.openSync;
  try {
    return { result: fn(), peak };
  } finally {
    fs.openSync = original;
  }
}

interface Rec {
  readonly key: Buffer;
  readonly value: Buffer;
}

/** `count` sorted segments, each in its own file, with keys from a small space (many equal keys across segments). */
function syntheticSegments(dir: string, count: number, seed: number): { segments: Segment[]; records: Rec[][] } {
  const rand = prng(seed);
  const segments: Segment[] = [];
  const records: Rec[][] = [];
  for (let s = 0; s < count; s++) {
    const n = Math.floor(rand() * 6); // some segments are empty
    const keys = Array.from({ length: n }, () => Buffer.from(`k${Math.floor(rand() * 300)}`)).sort(Buffer.compare);
    const recs = keys.map((key, i) => ({ key, value: Buffer.from(`${s}:${i}`) }));
    const w = new RunWriter(path.join(dir, `seg${s}.out`));
    for (const r of recs) w.add(r.key, r.value);
    w.endPartition();
    segments.push(w.close()[0]!);
    records.push(recs);
  }
  return { segments, records };
}

/** The naive model: all records, stably sorted by key bytes (equal keys keep segment order). */
const naiveMerge = (records: Rec[][]): string[] =>
  records
    .flat()
    .sort((a, b) => Buffer.compare(a.key, b.key))
    .map((r) => `${r.key.toString()}=${r.value.toString()}`);

function drain(m: MultiPassMerger): string[] {
  const out: string[] = [];
  while (m.next()) out.push(`${m.key.toString()}=${m.value.toString()}`);
  return out;
}

test('passGroups: consecutive groups of at most F, only as many merged as one final merge of F needs', (t) => {
  t.deepEqual(passGroups(150, 100), [51, ...new Array<number>(99).fill(1)]); // 51 merged into 1, 99 kept: 100
  t.deepEqual(passGroups(25, 10), [10, 7, ...new Array<number>(8).fill(1)]);
  t.deepEqual(passGroups(30, 10), [10, 10, 3, ...new Array<number>(7).fill(1)]);
  t.deepEqual(passGroups(3000, 10), new Array<number>(300).fill(10)); // a full pass, and more passes follow
  for (const [n, f] of [[3000, 10], [101, 100], [11, 2], [1000, 3], [7, 7]] as const) {
    const g = passGroups(n, f);
    t.is(g.reduce((a, b) => a + b, 0), n, `${n}/${f} covers every segment once`);
    t.true(g.every((s) => s >= 1 && s <= f), `${n}/${f} groups within the factor`);
    if (g.length > f) t.true(g.every((s) => s === f || s === n % f), `${n}/${f}: a pass that cannot finish merges full groups`);
  }
});

test.serial('3,000 segments at factor 10: the same records as a stable sort, at most 10 segment files open', (t) => {
  const dir = freshDir('unit');
  const { segments, records } = syntheticSegments(dir, 3000, 11);
  const scratch = path.join(dir, 'scratch');
  const before = openFds();
  const { result, peak } = peakFds(() => {
    const m = new MultiPassMerger(segments, { factor: 10, dir: scratch });
    try {
      return { out: drain(m), passes: m.passes, spilled: m.spilledRecords };
    } finally {
      m.close();
    }
  });
  t.deepEqual(result.out, naiveMerge(records));
  t.true(result.out.length > 5000);
  t.true(result.passes >= 3, `passes: ${result.passes}`); // 3000 → 300 → 30 → 10
  t.true(result.spilled > result.out.length, 'earlier passes wrote intermediate files');
  t.true(peak <= 10 + 1, `at most 10 readers and 1 writer open, saw ${peak} more descriptors`);
  t.is(openFds(), before, 'every file closed');
  t.deepEqual(fs.readdirSync(scratch), [], 'intermediate files removed');
});

test.serial('factor 2, factor 100 and one single pass give the same sequence', (t) => {
  const dir = freshDir('factors');
  const { segments, records } = syntheticSegments(dir, 400, 5);
  const expected = naiveMerge(records);
  for (const factor of [2, 3, DEFAULT_SORT_FACTOR, 400]) {
    const m = new MultiPassMerger(segments, { factor, dir: path.join(dir, `s${factor}`) });
    try {
      t.deepEqual(drain(m), expected, `factor ${factor}`);
      t.is(m.passes > 0, factor < 400, `factor ${factor}: multi-pass only when needed`);
    } finally {
      m.close();
    }
  }
  t.false(fs.existsSync(path.join(dir, 's400')), 'a single pass creates no scratch dir');
});

test.serial('a bad segment in an earlier pass: the error names the file, every file is closed, intermediates removed', (t) => {
  const dir = freshDir('bad-early');
  const { segments } = syntheticSegments(dir, 300, 3);
  const i = segments.findIndex((s, k) => k > 150 && s.length > 0);
  const bad = [...segments];
  bad[i] = { ...segments[i]!, length: segments[i]!.length + 50 }; // runs past the end of its file
  const scratch = path.join(dir, 'scratch');
  const before = openFds();
  const err = t.throws(() => new MultiPassMerger(bad, { factor: 10, dir: scratch }));
  t.regex(err!.message, new RegExp(`seg${i}\\.out: truncated shuffle segment`));
  t.is(openFds(), before);
  t.deepEqual(fs.readdirSync(scratch), []);
});

test.serial('a bad segment found during the final pass: close() still closes everything and removes intermediates', (t) => {
  const dir = freshDir('bad-final');
  const { segments } = syntheticSegments(dir, 24, 8);
  // 25 segments at factor 10: the last 8 are merged only in the final pass. Give the last one many records.
  const w = new RunWriter(path.join(dir, 'big.out'));
  for (let k = 0; k < 20000; k++) w.add(Buffer.from(`k${String(k).padStart(6, '0')}`), Buffer.from('v'));
  w.endPartition();
  const big = w.close()[0]!;
  fs.truncateSync(big.file, Math.floor(big.length / 2));
  const scratch = path.join(dir, 'scratch');
  const before = openFds();
  const m = new MultiPassMerger([...segments, big], { factor: 10, dir: scratch });
  t.true(m.passes === 1 && fs.readdirSync(scratch).length > 0);
  t.throws(() => drain(m), { message: /big\.out: truncated shuffle segment/ });
  m.close();
  t.is(openFds(), before);
  t.deepEqual(fs.readdirSync(scratch), []);
});

test('sortFactorOf: default 100; a value below 2 or not a whole number is an error naming the key', (t) => {
  t.is(sortFactorOf({}), 100);
  t.is(sortFactorOf({ [SORT_FACTOR_KEY]: '10' }), 10);
  t.is(sortFactorOf({ [SORT_FACTOR_KEY]: ' 2 ' }), 2);
  for (const bad of ['1', '0', '-5', '2.5', 'ten', '', '1e3']) {
    t.throws(() => sortFactorOf({ [SORT_FACTOR_KEY]: bad }), { message: new RegExp(`^mapreduce\\.task\\.io\\.sort\\.factor: must be a whole number of at least 2.*"${bad}"`) });
  }
  t.throws(() => new MultiPassMerger([], { factor: 1, dir: root }), { instanceOf: RangeError });
});

// ---------------------------------------------------------------------------------------------
// Map side: the spill merge at the end of a map.

const words = (n: number, seed: number, space = 400): string[] => {
  const rand = prng(seed);
  return Array.from({ length: n }, () => `w${Math.floor(rand() * space)}`);
};

/**
 * Budgets that make a map spill a few dozen times: the sort buffer has no fixed part; the aggregation
 * table starts at ~6 KiB (string table slots and arena) and doubles them as it fills.
 */
const SORT_BUDGET = 3000;
const AGGREGATION_BUDGET = 30_000;

/** A sum combiner whose output is tagged (so it differs from its accumulator); may fail in the spill merge. */
const taggedSum = (failOnMerge: boolean): CombineFn<unknown, number> => ({
  create: () => 0,
  add: (acc, v) => acc + (v as number),
  merge: (a, b) => {
    if (failOnMerge) throw new Error('combiner failed in the spill merge');
    return a + b;
  },
  extract: (acc) => ({ n: acc }),
});

function collect(dir: string, factor: number, combiner?: CombineFn<unknown, number>): { bytes: Buffer; spills: number; peak: number; combineOut: number } {
  const budgetBytes = combiner ? AGGREGATION_BUDGET : SORT_BUDGET;
  const c = createCollector({ numPartitions: 3, partitioner: hashPartitioner, budgetBytes, dir, sortFactor: factor, ...(combiner ? { combiner } : {}) });
  (combiner ? words(12000, 42, 20000) : words(6000, 42)).forEach((w, i) => c.collect(w, combiner ? 1 : i));
  const { result, peak } = peakFds(() => c.close());
  return { bytes: fs.readFileSync(result.file), spills: c.counters.spills, peak, combineOut: c.counters.combineOutputRecords };
}

for (const withCombiner of [false, true]) {
  test.serial(`map side ${withCombiner ? 'with' : 'without'} a combiner: many spills at factor 3 give the same map output as one merge`, (t) => {
    const combiner = withCombiner ? taggedSum(false) : undefined;
    const one = collect(freshDir('map1'), 100000, combiner);
    const dir = freshDir('map3');
    const before = openFds();
    const three = collect(dir, 3, combiner);
    t.true(three.spills > 20, `spills: ${three.spills}`);
    t.true(three.bytes.equals(one.bytes), 'byte-identical map output');
    t.is(three.combineOut, one.combineOut);
    t.true(three.peak <= 3 + 2, `at most 3 spills, 1 intermediate and the final file open, saw ${three.peak}`);
    t.true(one.peak > 20, 'the single merge did open every spill (the bound is the factor)');
    t.is(openFds(), before);
    t.deepEqual(fs.readdirSync(dir), ['file.out'], 'spills and intermediate files removed');
  });
}

test.serial('map side: a combiner that throws in the spill merge leaves no open file and no partial map output', (t) => {
  const dir = freshDir('map-fail');
  const c = createCollector({ numPartitions: 2, partitioner: hashPartitioner, budgetBytes: AGGREGATION_BUDGET, dir, sortFactor: 3, combiner: taggedSum(true) });
  for (const w of words(12000, 1, 20000)) c.collect(w, 1);
  const before = openFds();
  t.throws(() => c.close(), { message: 'combiner failed in the spill merge' });
  t.true(c.counters.spills > 10, `spills: ${c.counters.spills}`);
  t.is(openFds(), before);
  t.false(fs.existsSync(path.join(dir, 'file.out')));
  t.false(fs.readdirSync(dir).some((f) => f.startsWith('merge_')), 'intermediate files removed');
});

// ---------------------------------------------------------------------------------------------
// Reduce task: intermediate files in the attempt's scratch dir, removed at the end, closed on failure.

/** Job dirs the reduce tests' scratch dirs live in (the task removes its scratch dir; the test, the job dir). */
const jobDirs: string[] = [];
test.after.always(() => jobDirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function reduceSpec(dir: string, segments: readonly Segment[], conf: Record<string, string>, attempt: number): ReduceTaskSpec {
  const jobId = `job_mergefactor_${process.pid}_${seq++}`;
  jobDirs.push(path.join(os.tmpdir(), `bsctl-${os.userInfo().uid}`, jobId));
  return {
    type: 'reduce',
    jobId,
    jobModule: '',
    jobExport: 'default',
    step: 0,
    taskIndex: 0,
    attempt,
    attemptId: `attempt_${jobId}_0_r_000000_${attempt}`,
    conf,
    segments,
    output: { kind: 'intermediate', dir, numTasks: 1 },
  };
}

/** A one-step job around `reduce` (its map is never run here). */
const reduceJob = (reduce: (key: string, values: Iterable<number>) => Iterable<readonly [string, number]>): Job =>
  defineJob({ name: 'merge-factor', description: '', input: textInput() })
    .step({
      map: function* (_offset, line) {
        yield [line, 1] as const;
      },
      reduce,
    })
    .output(textOutput<string, number>()) as Job;

const scratchOf = (spec: ReduceTaskSpec): string => path.join(os.tmpdir(), `bsctl-${os.userInfo().uid}`, spec.jobId, `${spec.attemptId}.merge`);

/** Segments of string keys and number values, as maps would write them (in map order). */
function mapSegments(dir: string, maps: number): { segments: Segment[]; expected: Map<string, number[]> } {
  const expected = new Map<string, number[]>();
  const segments: Segment[] = [];
  for (let m = 0; m < maps; m++) {
    const keys = [...new Set(words(4, m))].sort((a, b) => Buffer.compare(encodeKey(a), encodeKey(b)));
    const w = new RunWriter(path.join(dir, `map${m}.out`));
    for (const k of keys) {
      w.add(encodeKey(k), encodeValue(m));
      expected.set(k, [...(expected.get(k) ?? []), m]);
    }
    w.endPartition();
    segments.push(w.close()[0]!);
  }
  return { segments, expected };
}

test.serial('reduce task: 500 map segments at factor 10 reach the reducer in map order; scratch dir used, then removed', async (t) => {
  const dir = freshDir('reduce');
  const { segments, expected } = mapSegments(dir, 500);
  const seen = new Map<string, number[]>();
  let scratchFiles = 0;
  let spec: ReduceTaskSpec | undefined;
  const job = reduceJob(function* (key, values) {
    scratchFiles = Math.max(scratchFiles, fs.readdirSync(scratchOf(spec!)).length);
    seen.set(key, [...values]);
  });
  spec = reduceSpec(path.join(dir, 'out'), segments, { [SORT_FACTOR_KEY]: '10' }, 0);
  fs.mkdirSync(spec.output.dir, { recursive: true });
  const before = openFds();
  const r = await runReduceTask(job, spec, () => {});
  const byKey = (m: Map<string, number[]>): [string, number[]][] => [...m].sort(([a], [b]) => (a < b ? -1 : 1));
  t.deepEqual(byKey(seen), byKey(expected));
  t.true(scratchFiles > 0 && scratchFiles <= 10, `intermediate files in the scratch dir: ${scratchFiles}`);
  t.false(fs.existsSync(scratchOf(spec)), 'scratch dir removed');
  t.true((r.counters['Map-Reduce Framework']?.['Spilled Records'] ?? 0) >= 2000 - 10 * 4);
  t.is(openFds(), before);
});

test.serial('reduce task: a reducer that throws mid-merge leaves no open file and no scratch dir', async (t) => {
  const dir = freshDir('reduce-fail');
  const { segments } = mapSegments(dir, 300);
  let groups = 0;
  const job = reduceJob(function* (key) {
    if (++groups === 50) throw new Error(`reducer failed at ${key}`);
  });
  const spec = reduceSpec(path.join(dir, 'out'), segments, { [SORT_FACTOR_KEY]: '7' }, 0);
  fs.mkdirSync(spec.output.dir, { recursive: true });
  const before = openFds();
  await t.throwsAsync(runReduceTask(job, spec, () => {}), { message: /^reducer failed at / });
  t.is(openFds(), before);
  t.false(fs.existsSync(scratchOf(spec)));
  const bad = reduceSpec(path.join(dir, 'out'), segments, { [SORT_FACTOR_KEY]: '1' }, 1);
  await t.throwsAsync(runReduceTask(job, bad, () => {}), { message: /^mapreduce\.task\.io\.sort\.factor: must be a whole number of at least 2/ });
  t.is(openFds(), before);
});

test.serial('a map of a later step that throws leaves its intermediate input file closed', async (t) => {
  const file = path.join(freshDir('intermediate'), 'part-r-00000.kv');
  const w = new RunWriter(file);
  for (let i = 0; i < 100; i++) w.add(encodeValue(`k${i}`), encodeValue(i));
  w.endPartition();
  w.close();
  const size = fs.statSync(file).size;
  const reader = intermediateInput().createRecordReader({ path: file, start: 0, length: size, fileLength: size, hosts: [], fileIndex: 0 });
  const before = openFds();
  const map = (k: unknown): void => {
    if (k === 'k10') throw new Error('map failed');
  };
  await t.throwsAsync(reader.read(map), { message: 'map failed' });
  t.is(openFds(), before);
});

// ---------------------------------------------------------------------------------------------
// End to end: the real CLI, thousands of maps, `ulimit -n 256`.

/** Text of `lines` lines; its word counts, as word-count writes them, per reduce partition. */
function wordCountInput(file: string, lines: number, reducers: number): string[] {
  const rand = prng(2024);
  const counts = new Map<string, number>();
  let text = '';
  for (let i = 0; i < lines; i++) {
    const line = Array.from({ length: 6 }, () => `w${Math.floor(rand() * 150)}${rand() < 0.1 ? 'X' : ''}`);
    for (const w of line) counts.set(w.toLowerCase(), (counts.get(w.toLowerCase()) ?? 0) + 1);
    text += `${line.join(' ')}\n`;
  }
  fs.writeFileSync(file, text);
  const parts = Array.from({ length: reducers }, () => [] as string[]);
  const sorted = [...counts.keys()].sort((a, b) => Buffer.compare(encodeKey(a), encodeKey(b)));
  for (const w of sorted) parts[hashPartitioner(w, reducers, encodeKey(w))]!.push(`${w}\t${counts.get(w)}\n`);
  return parts.map((p) => p.join(''));
}

test.serial('e2e: word-count over ~2,000 maps under ulimit -n 256 succeeds with the exact output', (t) => {
  const dir = freshDir('e2e');
  const input = path.join(dir, 'in.txt');
  const expected = wordCountInput(input, 3000, 2);
  const size = fs.statSync(input).size;
  const out = path.join(dir, 'out');
  const run = (output: string, extra: string[]): ReturnType<typeof bsctl> =>
    bsctl(['run', 'word-count', '--input', input, '--output', output, '--runner', 'inline', '--split-size', '40', ...extra], {
      wrapper: ['sh', '-c', 'ulimit -n 256 && exec "$@"', 'sh'],
    });
  const r = run(out, []);
  t.is(r.code, 0, r.stderr.slice(-3000));
  const maps = Number(/(\d+) map\(s\)/.exec(r.stdout)?.[1]);
  t.true(maps >= 1800 && maps >= size / 45, `maps: ${maps}`);
  t.deepEqual([fs.readFileSync(path.join(out, 'part-r-00000'), 'utf8'), fs.readFileSync(path.join(out, 'part-r-00001'), 'utf8')], expected);
  t.deepEqual(leftovers(out), []);
  const jobId = /(job_\S+) \(word-count\) succeeded/.exec(r.stdout)?.[1];
  t.truthy(jobId);
  t.false(fs.existsSync(path.join(os.tmpdir(), `bsctl-${os.userInfo().uid}`, jobId!)), 'job work dir (map outputs, merge scratch) removed');

  const bad = run(path.join(dir, 'bad'), ['--conf', `${SORT_FACTOR_KEY}=1`]);
  t.not(bad.code, 0);
  t.regex(errorLines(bad.stderr).join('\n'), /mapreduce\.task\.io\.sort\.factor: must be a whole number of at least 2/);
  t.false(fs.existsSync(path.join(dir, 'bad')));
});
