/**
 * Shuffle: key encoding order, value round-trips, collectors (spills vs no spills, with and without a
 * combiner), partitioner errors, segment reading and the k-way merge.
 */
import test from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { encodeKey, decodeKey, encodeValue, decodeValue } from '../framework/shuffle/codec.ts';
import { createCollector, type CollectorOptions, type MapOutput } from '../framework/shuffle/collector.ts';
import { SegmentMerger } from '../framework/shuffle/merge.ts';
import { SegmentReader, type Segment } from '../framework/shuffle/segment.ts';
import { RunWriter } from '../framework/shuffle/run-writer.ts';
import { hashPartitioner } from '../framework/shuffle/partitioner.ts';
import type { CombineFn, Partitioner, ShuffleKey } from '../framework/job/types.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bsctl-shuffle-test-'));
test.after.always(() => fs.rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = (): string => path.join(root, `c${n++}`);

const sign = (x: number): number => (x < 0 ? -1 : x > 0 ? 1 : 0);

// ---------------------------------------------------------------------------------------------
// An independent model of the documented key order:
// null < false < true < numbers < dates < buffers < strings < arrays; strings by code point,
// numbers numerically, dates by time, buffers bytewise, arrays element-wise (a prefix first).

function rank(k: ShuffleKey): number {
  if (k === null) return 0;
  if (k === false) return 1;
  if (k === true) return 2;
  if (typeof k === 'number') return 3;
  if (k instanceof Date) return 4;
  if (Buffer.isBuffer(k)) return 5;
  if (typeof k === 'string') return 6;
  return 7;
}

function codePointCompare(a: string, b: string): number {
  const x = Array.from(a, (c) => c.codePointAt(0)!);
  const y = Array.from(b, (c) => c.codePointAt(0)!);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

function modelCompare(a: ShuffleKey, b: ShuffleKey): number {
  const r = rank(a) - rank(b);
  if (r !== 0) return r;
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  if (a instanceof Date && b instanceof Date) return a.getTime() - b.getTime();
  if (Buffer.isBuffer(a) && Buffer.isBuffer(b)) return Buffer.compare(a, b);
  if (typeof a === 'string' && typeof b === 'string') return codePointCompare(a, b);
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const c = modelCompare(a[i] as ShuffleKey, b[i] as ShuffleKey);
      if (c !== 0) return c;
    }
    return a.length - b.length;
  }
  return 0;
}

const STRINGS = [
  '',
  '\u0000',
  '\u0001',
  'A',
  'Z',
  'a',
  'a\u0000',
  'a\u0001',
  'aa',
  'ab',
  'a\uFFFF',
  'a😀',
  'b',
  'é',
  'ÿ',
  'Ā',
  '中',
  '中文',
  '\uD7FF',
  '\uE000',
  '\uFFFD',
  '\uFFFF',
  '\u{10000}',
  '𝄞',
  '😀',
  '😀a',
  '\u{10FFFF}',
];

const NUMBERS = [
  -Infinity,
  -Number.MAX_VALUE,
  -1e300,
  -1e10,
  -1000.5,
  -1000,
  -2,
  -1.5,
  -1,
  -0.5,
  -1e-300,
  -Number.MIN_VALUE,
  0,
  Number.MIN_VALUE,
  1e-300,
  0.1,
  0.5,
  1,
  1.5,
  2,
  9,
  10,
  11,
  100,
  1e10,
  2 ** 53,
  2 ** 53 + 2,
  1e300,
  Number.MAX_VALUE,
  Infinity,
];

const ARRAYS: ShuffleKey[] = [
  [],
  [null],
  [false],
  [true],
  [-1],
  [0],
  [1],
  [1, 'a'],
  [1, 'b'],
  [1, [2]],
  [2],
  [10],
  ['a'],
  ['a', null],
  ['a', 1],
  ['a', 2],
  ['a', 10],
  ['a', 'a'],
  ['a', []],
  ['a\u0000'],
  ['a\u0001'],
  ['ab'],
  ['b'],
  ['\uFFFF'],
  ['😀'],
  [[]],
  [[1]],
  [[1, 2]],
  [[2]],
  [['x'], 'y'],
];

const OTHERS: ShuffleKey[] = [null, false, true, new Date(-1000), new Date(0), new Date(1), Buffer.from([]), Buffer.from([0]), Buffer.from([0, 1]), Buffer.from([0xff])];

function checkOrder(t: import('ava').ExecutionContext, keys: readonly ShuffleKey[], label: string): void {
  const bad: string[] = [];
  const enc = keys.map((k) => encodeKey(k));
  for (let i = 0; i < keys.length; i++) {
    for (let j = 0; j < keys.length; j++) {
      const want = sign(modelCompare(keys[i]!, keys[j]!));
      const got = sign(Buffer.compare(enc[i]!, enc[j]!));
      if (want !== got) bad.push(`${JSON.stringify(keys[i])} vs ${JSON.stringify(keys[j])}: encoded ${got}, expected ${want}`);
    }
  }
  t.deepEqual(bad.slice(0, 10), [], label);
}

test('string keys: encoding order = UTF-8 byte order = code point order (non-BMP after U+E000–U+FFFF)', (t) => {
  checkOrder(t, STRINGS, 'strings');
  // The case UTF-16 code unit order gets wrong: U+FFFF < U+1F600.
  t.true(Buffer.compare(encodeKey('\uFFFF'), encodeKey('😀')) < 0);
  t.true(Buffer.compare(encodeKey('\uE000'), encodeKey('\u{10000}')) < 0);
  // Sorting encodings yields code point order.
  const sorted = [...STRINGS].reverse().sort((a, b) => Buffer.compare(encodeKey(a), encodeKey(b)));
  t.deepEqual(sorted, STRINGS);
});

test('number keys: encoding order is numeric order (negatives, fractions, infinities)', (t) => {
  checkOrder(t, NUMBERS, 'numbers');
  const shuffled = [...NUMBERS].sort((a, b) => ((a * 7919) % 13) - ((b * 7919) % 13) || 0);
  const sorted = shuffled.sort((a, b) => Buffer.compare(encodeKey(a), encodeKey(b)));
  t.deepEqual(sorted, NUMBERS);
  // 10 after 9 (not lexical), -2 before -1.
  t.true(Buffer.compare(encodeKey(9), encodeKey(10)) < 0);
  t.true(Buffer.compare(encodeKey(-2), encodeKey(-1)) < 0);
  t.true(Buffer.compare(encodeKey(-0.5), encodeKey(0)) < 0);
  // 0 and -0 are the same key.
  t.is(Buffer.compare(encodeKey(-0), encodeKey(0)), 0);
});

test('array keys: element-wise order, a prefix before its extensions, nested arrays', (t) => {
  checkOrder(t, ARRAYS, 'arrays');
  t.true(Buffer.compare(encodeKey(['a', 2]), encodeKey(['a', 10])) < 0);
  t.true(Buffer.compare(encodeKey(['a', 10]), encodeKey(['b', 1])) < 0);
  t.true(Buffer.compare(encodeKey(['a']), encodeKey(['a', 1])) < 0);
});

test('mixed key types: null < false < true < numbers < dates < buffers < strings < arrays', (t) => {
  checkOrder(t, [...OTHERS, ...NUMBERS.slice(0, 8), ...STRINGS.slice(0, 8), ...STRINGS.slice(-5), ...ARRAYS.slice(0, 12)], 'mixed');
});

test('decodeKey(encodeKey(k)) round-trips every key type', (t) => {
  for (const k of [...STRINGS, ...NUMBERS, ...ARRAYS, ...OTHERS]) {
    const back = decodeKey(encodeKey(k));
    t.deepEqual(back, k, JSON.stringify(k));
  }
  t.is(typeof decodeKey(encodeKey('123')), 'string');
  t.is(typeof decodeKey(encodeKey(123)), 'number');
});

test('bigint is not a shuffle key: a clear TypeError', (t) => {
  t.throws(() => encodeKey(5n as unknown as ShuffleKey), { instanceOf: TypeError, message: /bigint/ });
});

test('decodeValue(encodeValue(v)) round-trips numbers, strings, bigints, booleans, null, nested objects', (t) => {
  const big = 2n ** 64n + 1n;
  const values: unknown[] = [
    0,
    1.5,
    -1e300,
    Number.MAX_SAFE_INTEGER,
    2 ** 53 + 2,
    Infinity,
    -Infinity,
    '',
    'plain',
    '😀漢字\u0000\x1E\n',
    0n,
    big,
    -(2n ** 100n) - 7n,
    2n ** 64n - 1n,
    true,
    false,
    null,
    undefined,
    [1, [2, [3, 'x']], null],
    { a: 1, b: [1, 'x', { c: null, d: true }], e: { f: { g: 'deep 😀' } } },
    { big: 2n ** 70n + 3n, date: new Date(12345), map: new Map([[1, 'a']]), set: new Set(['x']) },
    [],
    {},
  ];
  for (const v of values) {
    const back = decodeValue(encodeValue(v));
    t.deepEqual(back, v, inspect(v));
    t.is(typeof back, typeof v);
  }
  // bigints stay exact above 2^64 (no float rounding).
  const b = decodeValue(encodeValue(big));
  t.is(b, big);
  t.is(String(b), '18446744073709551617');
  t.true(Object.is(decodeValue(encodeValue(-0)), -0));
  t.true(Number.isNaN(decodeValue(encodeValue(NaN))));
});

test('arrays of primitives (tsv rows, tagged join records) and Buffers take the compact encoding; anything else falls back to v8 and still round-trips', (t) => {
  const compact: unknown[] = [[], [1, ['s0001234', 'gold', 'city3']], [0, 12n, -7n, ['x', '', '😀\u0000']], [null, undefined, true, false], [[[]], [Buffer.from('hi')]], ['x'.repeat(300), [['y'.repeat(70_000)]]]];
  for (const v of compact) {
    const bytes = encodeValue(v);
    t.is(bytes[0], 10, inspect(v));
    t.deepEqual(decodeValue(bytes), v, inspect(v));
  }
  const buf = decodeValue(encodeValue(Buffer.from([1, 2, 3])));
  t.true(Buffer.isBuffer(buf));
  t.deepEqual(buf, Buffer.from([1, 2, 3]));
  // A sparse array, an object or a typed array inside: v8 serialisation, holes and all.
  const sparse = [1, , 3]; // eslint-disable-line no-sparse-arrays
  for (const v of [sparse, [1, { a: 1 }], ['a', new Date(5)], [new Uint8Array([1])]]) {
    const bytes = encodeValue(v);
    t.is(bytes[0], 8, inspect(v));
    t.deepEqual(decodeValue(bytes), v, inspect(v));
  }
  t.false(1 in (decodeValue(encodeValue(sparse)) as unknown[]));
});

test('string elements of an array round-trip at every length-prefix width; short ones keep a 1-byte length', (t) => {
  const strings = ['', 'ab', 'x'.repeat(41), 'x'.repeat(42), 'x'.repeat(43), '漢'.repeat(42), '😀'.repeat(30), 'y'.repeat(5000), 'é'.repeat(3000), 'z'.repeat(200_000), '漢'.repeat(100_000)];
  for (const s of strings) {
    const v = [s, 1, [s]];
    t.deepEqual(decodeValue(encodeValue(v)), v, `${s.length} units of ${JSON.stringify(s.slice(0, 2))}`);
  }
  // V_ARRAY, 1 element, its length 3, V_STRING, "ab": the bytes of before.
  t.deepEqual([...encodeValue(['ab'])], [10, 1, 3, 2, 0x61, 0x62]);
});

test('decodeValue of a corrupt buffer is an error', (t) => {
  t.throws(() => decodeValue(Buffer.from([0x7f, 1, 2])), { message: /corrupt/ });
});

// ---------------------------------------------------------------------------------------------
// Collectors.

/** A deterministic mix of keys: multi-byte and non-BMP strings, numbers, arrays; many repeats. */
function keyPool(): ShuffleKey[] {
  const keys: ShuffleKey[] = [];
  for (let i = 0; i < 120; i++) keys.push(`w${i % 40}${'漢😀é'.slice(0, i % 4)}${i % 5 === 0 ? '\uFFFF' : ''}`);
  for (let i = 0; i < 40; i++) keys.push((i - 20) * 1.25);
  for (let i = 0; i < 40; i++) keys.push(['k', i % 7, `${i % 3}😀`]);
  keys.push('', '😀', '\uE000', null, true);
  return keys;
}

function* records(count: number): Generator<[ShuffleKey, number]> {
  const pool = keyPool();
  let x = 12345;
  for (let i = 0; i < count; i++) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    yield [pool[x % pool.length]!, i];
  }
}

/** Every partition's records: [key hex, value], in file order. */
function readOutput(out: MapOutput): [string, unknown][][] {
  return out.segments.map((seg) => {
    const r = new SegmentReader(seg, 0);
    const recs: [string, unknown][] = [];
    while (r.next()) recs.push([r.key.toString('hex'), decodeValue(r.value)]);
    return recs;
  });
}

function runCollector(opts: Omit<CollectorOptions, 'dir'>, input: Iterable<[ShuffleKey, unknown]>): { out: MapOutput; spills: number; dir: string; recs: [string, unknown][][]; counters: Record<string, number> } {
  const dir = freshDir();
  const c = createCollector({ ...opts, dir });
  for (const [k, v] of input) c.collect(k, v);
  const out = c.close();
  return { out, spills: c.counters.spills, dir, recs: readOutput(out), counters: { ...c.counters } };
}

const P = 3;
const TINY = 300; // bytes: a spill every few records
const HUGE = 256 * 1024 * 1024;

/** Expected partitions without a combiner: records of each partition, stable-sorted by key bytes. */
function oracleNoCombiner(input: [ShuffleKey, unknown][]): [string, unknown][][] {
  const parts: { kb: Buffer; v: unknown }[][] = Array.from({ length: P }, () => []);
  for (const [k, v] of input) {
    const kb = encodeKey(k);
    parts[hashPartitioner(k, P, kb)]!.push({ kb, v });
  }
  return parts.map((recs) => recs.sort((a, b) => Buffer.compare(a.kb, b.kb)).map((r): [string, unknown] => [r.kb.toString('hex'), r.v]));
}

function checkSegments(t: import('ava').ExecutionContext, run: ReturnType<typeof runCollector>, label: string): void {
  const { out, recs, dir } = run;
  t.is(out.segments.length, P, label);
  let pos = 0;
  for (const [p, s] of out.segments.entries()) {
    t.is(s.file, out.file, label);
    t.is(s.offset, pos, `${label}: segment ${p} offset`);
    t.is(s.records, recs[p]!.length, `${label}: segment ${p} record count`);
    pos += s.length;
  }
  t.is(pos, fs.statSync(out.file).size, `${label}: segments cover the file`);
  // Sorted by key bytes inside each partition.
  for (const part of recs) {
    for (let i = 1; i < part.length; i++) {
      if (Buffer.compare(Buffer.from(part[i - 1]![0], 'hex'), Buffer.from(part[i]![0], 'hex')) > 0) {
        t.fail(`${label}: partition not sorted at record ${i}`);
        break;
      }
    }
  }
  // Spill files are gone; only the final output remains.
  t.deepEqual(fs.readdirSync(dir), [path.basename(out.file)], `${label}: leftover files`);
}

test('sorting collector: many spills (tiny budget) and no spill (huge budget) give identical, correct segments', (t) => {
  const input = [...records(3000)];
  const tiny = runCollector({ numPartitions: P, partitioner: hashPartitioner, budgetBytes: TINY }, input);
  const huge = runCollector({ numPartitions: P, partitioner: hashPartitioner, budgetBytes: HUGE }, input);
  t.true(tiny.spills > 20, `tiny budget spilled ${tiny.spills} times`);
  t.is(huge.spills, 1);
  checkSegments(t, tiny, 'tiny');
  checkSegments(t, huge, 'huge');
  const expected = oracleNoCombiner(input);
  t.is(
    expected.reduce((a, p) => a + p.length, 0),
    3000,
  );
  t.deepEqual(huge.recs, expected, 'huge budget vs oracle');
  t.deepEqual(tiny.recs, expected, 'tiny budget vs oracle (equal keys keep collect order across spills)');
  t.is(tiny.counters.mapOutputRecords, 3000);
  t.is(huge.counters.mapOutputRecords, 3000);
});

test('aggregating collector (sum combiner): spills and no spills give one record per key with the exact sum', (t) => {
  const input = [...records(3000)].map(([k, i]): [ShuffleKey, number] => [k, (i % 7) + 1]);
  const sum: CombineFn<number, number> = { create: () => 0, add: (a, v) => a + v, merge: (a, b) => a + b, extract: (a) => a };
  const tiny = runCollector({ numPartitions: P, partitioner: hashPartitioner, budgetBytes: TINY, combiner: sum }, input);
  const huge = runCollector({ numPartitions: P, partitioner: hashPartitioner, budgetBytes: HUGE, combiner: sum }, input);
  t.true(tiny.spills > 20, `tiny budget spilled ${tiny.spills} times`);
  t.is(huge.spills, 1);
  checkSegments(t, tiny, 'tiny');
  checkSegments(t, huge, 'huge');
  // Oracle: per key, the sum; per partition, sorted by key bytes.
  const sums = new Map<string, number>();
  for (const [k, v] of input) {
    const hex = encodeKey(k).toString('hex');
    sums.set(hex, (sums.get(hex) ?? 0) + v);
  }
  const expected: [string, unknown][][] = Array.from({ length: P }, () => []);
  for (const [hex, s] of sums) {
    const kb = Buffer.from(hex, 'hex');
    expected[hashPartitioner(decodeKey(kb), P, kb)]!.push([hex, s]);
  }
  for (const p of expected) p.sort((a, b) => Buffer.compare(Buffer.from(a[0], 'hex'), Buffer.from(b[0], 'hex')));
  t.deepEqual(huge.recs, expected, 'huge vs oracle');
  t.deepEqual(tiny.recs, expected, 'tiny vs oracle');
  t.is(tiny.counters.mapOutputRecords, 3000);
});

test('aggregating collector: string-only keys come out in UTF-8 byte order, with and without keys past U+D800', (t) => {
  const sum: CombineFn<number, number> = { create: () => 0, add: (a, v) => a + v, merge: (a, b) => a + b, extract: (a) => a };
  const ascii = ['b', 'a', 'ab', '', 'B', 'a b', 'zz', 'a\u0000', '\u00e9', '\u4e00'];
  // U+FFFF is after U+D800..U+DFFF as a UTF-16 code unit but before every non-BMP code point.
  const wide = [...ascii, '\uffff', '\u{10000}', '\ue000', '\u{1F600}x', '\ufffd'];
  for (const [label, keys] of [['below U+D800', ascii], ['with surrogates and U+E000..U+FFFF', wide]] as const) {
    const input = keys.flatMap((k, i): [ShuffleKey, number][] => [[k, i + 1], [k, 1]]);
    for (const budget of [HUGE, TINY]) {
      const run = runCollector({ numPartitions: 1, partitioner: hashPartitioner, budgetBytes: budget, combiner: sum }, input);
      const expected = [...keys].map((k, i): [string, unknown] => [encodeKey(k).toString('hex'), i + 2]).sort((a, b) => Buffer.compare(Buffer.from(a[0], 'hex'), Buffer.from(b[0], 'hex')));
      t.deepEqual(run.recs[0], expected, `${label}, budget ${budget}`);
    }
  }
});

test('aggregating collector (list combiner): values of a key keep collect order across spills', (t) => {
  const input = [...records(2000)].map(([k, i]): [ShuffleKey, string[]] => [k, [`v${i}`]]);
  const concat: CombineFn<string[], string[]> = {
    create: () => [],
    add: (a, v) => [...a, ...v],
    merge: (a, b) => [...a, ...b],
    extract: (a) => a,
  };
  const tiny = runCollector({ numPartitions: P, partitioner: hashPartitioner, budgetBytes: TINY, combiner: concat }, input);
  const huge = runCollector({ numPartitions: P, partitioner: hashPartitioner, budgetBytes: HUGE, combiner: concat }, input);
  t.true(tiny.spills > 10);
  checkSegments(t, tiny, 'tiny');
  const lists = new Map<string, string[]>();
  for (const [k, v] of input) {
    const hex = encodeKey(k).toString('hex');
    lists.set(hex, [...(lists.get(hex) ?? []), ...v]);
  }
  const flat = (recs: [string, unknown][][]): [string, unknown][] => recs.flat().sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const want = [...lists].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  t.is(flat(huge.recs).length, want.length);
  t.deepEqual(flat(huge.recs), want);
  t.deepEqual(flat(tiny.recs), want);
  t.deepEqual(tiny.recs, huge.recs);
});

test('small map outputs share the process output log; each reads back exactly; a big one gets its own file', (t) => {
  const dir = freshDir();
  const runs = [0, 1, 2].map((seed) => {
    const c = createCollector({ numPartitions: P, partitioner: hashPartitioner, budgetBytes: HUGE, dir, prefix: `attempt_${seed}.`, outputLog: true });
    const input = [...records(200 + seed * 50)];
    for (const [k, v] of input) c.collect(k, v);
    return { out: c.close(), expected: oracleNoCombiner(input) };
  });
  for (const r of runs) {
    t.true(r.out.shared === true);
    t.is(r.out.file, runs[0]!.out.file, 'one log for the process and dir');
    t.deepEqual(readOutput(r.out), r.expected);
  }
  // One after another, no overlap.
  const spans = runs.map((r) => [r.out.segments[0]!.offset, r.out.segments.at(-1)!.offset + r.out.segments.at(-1)!.length]);
  for (let i = 1; i < spans.length; i++) t.true(spans[i]![0]! >= spans[i - 1]![1]!, JSON.stringify(spans));
  t.deepEqual(fs.readdirSync(dir).filter((f) => f.startsWith('attempt_')), [], 'no file per small map');
  const big = createCollector({ numPartitions: P, partitioner: hashPartitioner, budgetBytes: HUGE, dir, prefix: 'attempt_big.', outputLog: true });
  for (let i = 0; i < 40_000; i++) big.collect(`key-${i}`, 'v'.repeat(40));
  const out = big.close();
  t.falsy(out.shared);
  t.is(path.basename(out.file), 'attempt_big.file.out');
  t.is(readOutput(out).reduce((n, p) => n + p.length, 0), 40_000);
});

test('a collector with no records writes one empty segment per partition', (t) => {
  for (const combiner of [undefined, { create: () => 0, add: (a: number, v: number) => a + v, merge: (a: number, b: number) => a + b, extract: (a: number) => a }]) {
    const run = runCollector({ numPartitions: 4, partitioner: hashPartitioner, budgetBytes: HUGE, ...(combiner ? { combiner } : {}) }, []);
    t.is(run.out.segments.length, 4);
    t.true(run.out.segments.every((s) => s.records === 0 && s.length === 0));
    t.true(fs.existsSync(run.out.file));
  }
});

test('the partitioner gets the key, the partition count and the key encoding; equal keys meet', (t) => {
  const seen: [ShuffleKey, number, string][] = [];
  const partitioner: Partitioner<ShuffleKey> = (key, num, kb) => {
    seen.push([key, num, Buffer.from(kb).toString('hex')]);
    return typeof key === 'number' ? 1 : 0;
  };
  const input: [ShuffleKey, unknown][] = [
    ['a', 1],
    [5, 2],
    [['x', 1], 3],
    ['a', 4],
    [7, 5],
  ];
  const run = runCollector({ numPartitions: 2, partitioner, budgetBytes: HUGE }, input);
  for (const [key, num, hex] of seen) {
    t.is(num, 2);
    t.is(hex, encodeKey(key).toString('hex'));
  }
  t.deepEqual(
    run.recs.map((p) => p.map(([hex, v]) => [decodeKey(Buffer.from(hex, 'hex')), v])),
    [
      [
        ['a', 1],
        ['a', 4],
        [['x', 1], 3],
      ],
      [
        [5, 2],
        [7, 5],
      ],
    ],
  );
});

test('a partitioner result out of range is a clear error naming the value and the range', (t) => {
  for (const bad of [3, -1, 1.5, NaN]) {
    const partitioner: Partitioner<ShuffleKey> = () => bad;
    // Without a combiner the error comes at collect; with one, at the latest when the map output is written.
    t.throws(
      () => {
        const c = createCollector({ numPartitions: 3, partitioner, budgetBytes: HUGE, dir: freshDir() });
        c.collect('key1', 1);
        c.close();
      },
      { message: new RegExp(`partitioner returned ${String(bad).replace('.', '\\.')}.*\\[0, 3\\)`) },
      `no combiner, ${bad}`,
    );
    t.throws(
      () => {
        const c = createCollector({
          numPartitions: 3,
          partitioner,
          budgetBytes: HUGE,
          dir: freshDir(),
          combiner: { create: () => 0, add: (a: number, v: number) => a + v, merge: (a: number, b: number) => a + b, extract: (a: number) => a },
        });
        c.collect('key1', 1);
        c.close();
      },
      { message: new RegExp(`partitioner returned ${String(bad).replace('.', '\\.')}.*\\[0, 3\\)`) },
      `combiner, ${bad}`,
    );
  }
});

// ---------------------------------------------------------------------------------------------
// Segments and the merge.

/** Write sorted runs: one file, one segment per given list (records must be sorted by key). */
function writeSegments(lists: [Buffer, Buffer][][]): Segment[] {
  const w = new RunWriter(path.join(fs.mkdtempSync(path.join(root, 'seg-')), 'run.out'));
  for (const list of lists) {
    for (const [k, v] of list) w.add(k, v);
    w.endPartition();
  }
  return w.close();
}

test('SegmentMerger: k-way merge by key bytes; equal keys come out in segment order', (t) => {
  const alphabet = ['a', 'b', 'c', 'é', '😀', '\uFFFF'].map((s) => encodeKey(s));
  const lists: [Buffer, Buffer][][] = [];
  let x = 7;
  for (let s = 0; s < 9; s++) {
    const list: [Buffer, Buffer][] = [];
    const count = s === 2 || s === 6 ? 0 : 5 + (s * 3) % 11;
    for (let i = 0; i < count; i++) {
      x = (x * 48271) % 2147483647;
      list.push([alphabet[x % alphabet.length]!, Buffer.from(`${s}:${i}`)]);
    }
    list.sort((a, b) => Buffer.compare(a[0], b[0])); // stable: i order within equal keys
    lists.push(list.map(([k], i): [Buffer, Buffer] => [k, Buffer.from(`${s}:${i}`)]));
  }
  const segments = writeSegments(lists);
  // Segments of several files and partitions: split them across two files too.
  const more = writeSegments([[[alphabet[0]!, Buffer.from('9:0')], [alphabet[0]!, Buffer.from('9:1')], [alphabet[5]!, Buffer.from('9:2')]]]);
  const all = [...segments, ...more];
  const expected = [...lists, [[alphabet[0]!, Buffer.from('9:0')], [alphabet[0]!, Buffer.from('9:1')], [alphabet[5]!, Buffer.from('9:2')]] as [Buffer, Buffer][]]
    .flat()
    .sort((a, b) => Buffer.compare(a[0], b[0])) // stable sort of the concatenation in segment order
    .map(([k, v]) => [k.toString('hex'), v.toString()]);
  const merger = new SegmentMerger(all);
  const got: string[][] = [];
  while (merger.next()) got.push([merger.key.toString('hex'), merger.value.toString()]);
  merger.close();
  t.is(got.length, expected.length);
  t.deepEqual(got, expected);
});

test('SegmentMerger: all keys equal across many segments keeps segment order exactly', (t) => {
  const key = encodeKey('same');
  const lists: [Buffer, Buffer][][] = Array.from({ length: 13 }, (_, s) => Array.from({ length: (s % 4) + 1 }, (_, i): [Buffer, Buffer] => [key, Buffer.from(`${s}.${i}`)]));
  const merger = new SegmentMerger(writeSegments(lists));
  const got: string[] = [];
  while (merger.next()) got.push(merger.value.toString());
  t.deepEqual(
    got,
    lists.flat().map(([, v]) => v.toString()),
  );
});

test('SegmentMerger over no segments or only empty ones yields nothing', (t) => {
  t.false(new SegmentMerger([]).next());
  t.false(new SegmentMerger(writeSegments([[], [], []])).next());
});

test('SegmentReader: records larger than its buffer and multi-byte length varints', (t) => {
  const lists: [Buffer, Buffer][][] = [
    [
      [Buffer.alloc(0), Buffer.alloc(0)],
      [Buffer.from('k'.repeat(127)), Buffer.alloc(128, 1)],
      [Buffer.from('l'.repeat(200)), Buffer.alloc(20_000, 2)],
      [Buffer.from('m'), Buffer.alloc(70_000, 3)],
      [Buffer.from('n'.repeat(16_384)), Buffer.from('v')],
    ],
  ];
  const [seg] = writeSegments(lists);
  const r = new SegmentReader(seg!, 0, 16);
  const got: [number, number, number][] = [];
  while (r.next()) got.push([r.key.length, r.value.length, r.value[0] ?? -1]);
  t.deepEqual(got, [
    [0, 0, -1],
    [127, 128, 1],
    [200, 20_000, 2],
    [1, 70_000, 3],
    [16_384, 1, 0x76],
  ]);
});

test('SegmentReader: a segment longer than its file is reported as truncated', (t) => {
  const [seg] = writeSegments([[[Buffer.from('key'), Buffer.from('value')]]]);
  const fake: Segment = { ...seg!, length: seg!.length + 50 };
  const r = new SegmentReader(fake, 0);
  t.throws(
    () => {
      while (r.next());
    },
    { message: /truncated/ },
  );
});

test('a combiner whose accumulator is not its output: spills hold accumulators, joined with merge (an exact mean across spills)', (t) => {
  // mean: accumulator {s, n}, output the mean; re-adding per-spill means would give a mean of means.
  const mean: import('../framework/job/types.ts').CombineFn<number, { s: number; n: number }> = {
    create: () => ({ s: 0, n: 0 }),
    add: (a, v) => ({ s: a.s + v, n: a.n + 1 }),
    merge: (a, b) => ({ s: a.s + b.s, n: a.n + b.n }),
    extract: (a) => a.s / a.n,
  };
  // Filler keys make the table spill every few thousand records; 'm' comes often with 1 early and
  // rarely with 100 late, so its spills hold very different counts.
  const input: [ShuffleKey, number][] = [];
  for (let i = 0; i < 12_000; i++) {
    input.push([`w${(i * 7919) % 20_000}`, 0]);
    if (i < 6000 ? i % 3 === 0 : i % 50 === 0) input.push(['m', i < 6000 ? 1 : 100]);
  }
  const run = runCollector({ numPartitions: 1, partitioner: hashPartitioner, budgetBytes: 190_000, combiner: mean as import('../framework/job/types.ts').CombineFn<unknown, unknown> }, input);
  t.true(run.spills > 3, `${run.spills} spills`);
  const got = new Map(run.recs[0]!.map(([k, v]) => [k, v]));
  t.is(got.get(encodeKey('m').toString('hex')), (2000 * 1 + 120 * 100) / 2120);
});
