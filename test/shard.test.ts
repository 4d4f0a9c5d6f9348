import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
// The benchmarks' deterministic PRNG (mulberry32), so failures reproduce.
import { prng } from '../scripts/bench/zipf-text.ts';
import {
  cryptTable,
  hashId,
  hashString,
  hashUtf8,
  rangeIndex,
  shardOf,
  splitRange,
  HASH_ID_COUNT,
  type HashRange,
} from '../framework/index/shard.ts';
import { sharedFixtures } from './helpers/shared-fixtures.ts';

// ---- an independent reference: BigInt arithmetic, full 0x500 MPQ table, TextEncoder bytes ----

const M32 = 0xffffffffn;

/** The classic 5 x 256 MPQ crypt table, generated in its original index order. */
function referenceTable(): bigint[] {
  const t: bigint[] = new Array<bigint>(0x500).fill(0n);
  let seed = 0x00100001n;
  for (let index1 = 0; index1 < 0x100; index1++) {
    for (let index2 = index1, i = 0; i < 5; i++, index2 += 0x100) {
      seed = (seed * 125n + 3n) % 0x2aaaabn;
      const temp1 = (seed & 0xffffn) << 16n;
      seed = (seed * 125n + 3n) % 0x2aaaabn;
      const temp2 = seed & 0xffffn;
      t[index2] = temp1 | temp2;
    }
  }
  return t;
}
const REF_TABLE = referenceTable();

function referenceHash(s: string): number {
  let seed1 = 0x7fed7fedn;
  let seed2 = 0xeeeeeeeen;
  for (const byte of new TextEncoder().encode(s)) {
    const ch = BigInt(byte);
    seed1 = (REF_TABLE[byte]! ^ ((seed1 + seed2) & M32)) & M32;
    seed2 = (ch + seed1 + seed2 + ((seed2 << 5n) & M32) + 3n) & M32;
  }
  return Number(seed1 % 65536n);
}

/** Random strings over ASCII, Latin, CJK (BMP and ext. B), emoji and the odd lone surrogate. */
function randomString(r: () => number): string {
  const pools: Array<[number, number]> = [
    [0x20, 0x7e], [0x30, 0x39], [0xa0, 0x24f], [0x4e00, 0x9fff], [0x3040, 0x30ff],
    [0xac00, 0xd7a3], [0xff01, 0xff5e], [0x20000, 0x2a6df], [0x1f600, 0x1f64f], [0xd800, 0xdfff],
  ];
  const len = Math.floor(r() * 24);
  let s = '';
  for (let i = 0; i < len; i++) {
    const [lo, hi] = pools[Math.floor(r() * pools.length)]!;
    const cp = lo + Math.floor(r() * (hi - lo + 1));
    s += cp >= 0xd800 && cp <= 0xdfff ? String.fromCharCode(cp) : String.fromCodePoint(cp);
  }
  return s;
}

// ---- hash ----

test('hash test vectors from havenask.md §4', (t) => {
  t.is(hashId('1'), 5426);
  t.is(hashId('2'), 47646);
  t.is(hashString(new TextEncoder().encode('1')) % 65536, 5426);
});

test('crypt table: first 256 entries of the classic MPQ table, matching Havenask CRYPT_TABLE literals', (t) => {
  const table = cryptTable();
  t.is(table.length, 256);
  for (let i = 0; i < 256; i++) t.is(table[i], Number(REF_TABLE[i]), `T[${i}]`);
  // Spot values of the literal table in alibaba/havenask aios/autil/autil/HashAlgorithm.cpp.
  t.is(table[0], 0x55c636e2);
  t.is(table[1], 0x02be0170);
  t.is(table[2], 0x584b71d4);
  t.is(table[9], 0xd3e9ce0d);
  t.is(table[255], 0x708c9eec);
});

test('hashId equals an independent BigInt reimplementation on 10,000 random strings', (t) => {
  const r = prng(20240611);
  for (let i = 0; i < 10_000; i++) {
    const s = randomString(r);
    const expected = referenceHash(s);
    if (hashId(s) !== expected) return t.fail(`hashId(${JSON.stringify(s)}) = ${hashId(s)}, want ${expected}`);
    if (hashString(new TextEncoder().encode(s)) % 65536 !== expected) return t.fail(`hashString ${JSON.stringify(s)}`);
  }
  t.pass();
});

test('hashUtf8 streams the same bytes as TextEncoder (surrogate pairs, lone surrogates, empty)', (t) => {
  for (const s of ['', 'a', 'é', '阿里巴巴集团', '𠀀', '😀x', '\ud800', 'a\udc00b', '\ud83d']) {
    t.is(hashUtf8(s), hashString(new TextEncoder().encode(s)), JSON.stringify(s));
  }
  t.is(hashString(new Uint8Array(0)), 0x7fed7fed);
});

test('hash ids are spread over all of 0..65535', (t) => {
  const buckets = new Array<number>(16).fill(0);
  for (let i = 0; i < 160_000; i++) buckets[hashId(String(i)) >> 12]!++;
  for (const b of buckets) t.true(b > 9000 && b < 11000, `bucket ${b}`);
});

// ---- ranges ----

test('splitRange: exact ranges for N=1, 2, 4', (t) => {
  t.deepEqual(splitRange(1), [{ from: 0, to: 65535 }]);
  t.deepEqual(splitRange(2), [{ from: 0, to: 32767 }, { from: 32768, to: 65535 }]);
  t.deepEqual(splitRange(4).map((r) => r.to), [16383, 32767, 49151, 65535]);
  t.deepEqual(splitRange(3), [{ from: 0, to: 21845 }, { from: 21846, to: 43690 }, { from: 43691, to: 65535 }]);
});

for (const n of [1, 2, 3, 4, 7, 256, 1000, 65535, 65536]) {
  test(`splitRange(${n}): contiguous, covers 0..65535, sizes c+1 for the first m then c`, (t) => {
    const ranges = splitRange(n);
    t.is(ranges.length, n);
    const c = Math.floor(HASH_ID_COUNT / n);
    const m = HASH_ID_COUNT % n;
    let next = 0;
    ranges.forEach((r, i) => {
      if (r.from !== next) t.fail(`range ${i} starts at ${r.from}, want ${next}`);
      const size = r.to - r.from + 1;
      if (size !== (i < m ? c + 1 : c)) t.fail(`range ${i} has ${size} ids`);
      next = r.to + 1;
    });
    t.is(next, 65536);
    const sizes = ranges.map((r) => r.to - r.from + 1);
    t.true(Math.max(...sizes) - Math.min(...sizes) <= 1);
  });
}

test('splitRange rejects partition counts outside 1..65536', (t) => {
  for (const bad of [0, -1, 65537, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
    const err = t.throws(() => splitRange(bad));
    t.regex(err.message, /partition count must be an integer in 1\.\.65536/);
  }
});

test('rangeIndex agrees with a linear scan, at every boundary and for random ids', (t) => {
  const r = prng(7);
  for (const n of [1, 2, 3, 4, 7, 256, 65536]) {
    const ranges = splitRange(n);
    const linear = (id: number): number => ranges.findIndex((x) => id >= x.from && id <= x.to);
    const ids = ranges.flatMap((x) => [x.from, x.to]);
    for (let i = 0; i < 2000; i++) ids.push(Math.floor(r() * 65536));
    for (const id of ids) if (rangeIndex(id, ranges) !== linear(id)) return t.fail(`n=${n} id=${id}`);
  }
  t.pass();
});

test('rangeIndex throws for ids no range holds', (t) => {
  const ranges: HashRange[] = splitRange(2);
  t.throws(() => rangeIndex(65536, ranges), { message: /none of the 2 ranges/ });
  t.throws(() => rangeIndex(-1, ranges));
  t.throws(() => rangeIndex(0, []));
});

// ---- the example data (fixtures/havenask/data: test.data ids 1..4, rt.data ids 20..22) ----

/** id → expected hash id, checked against the BigInt reference; partition for N=2 follows. */
const EXAMPLE_IDS: ReadonlyArray<[string, number]> = [
  ['1', 5426], ['2', 47646], ['3', 6223], ['4', 14232], ['20', 19683], ['21', 15094], ['22', 38362],
];

test('example ids: hash id, and partition for N=2', (t) => {
  const two = splitRange(2);
  for (const [id, h] of EXAMPLE_IDS) {
    t.is(hashId(id), h, `hashId(${id})`);
    t.is(referenceHash(id), h, `reference(${id})`);
    t.is(shardOf(id, two), h < 32768 ? 0 : 1, `partition of ${id}`);
  }
  const byPart = [0, 1].map((p) => EXAMPLE_IDS.filter(([id]) => shardOf(id, two) === p).map(([id]) => id));
  t.deepEqual(byPart, [['1', '3', '4', '20', '21'], ['2', '22']]);
});

/** The real Havenask example data (../shared beside the repo); undefined when absent (and then a failure under CI=true). */
const DATA = sharedFixtures('fixtures/havenask/data', ['test.data', 'rt.data']);

(DATA ? test : test.skip)('ids of test.data and rt.data are the ones pinned above', (t) => {
  const ids: string[] = [];
  for (const f of ['test.data', 'rt.data']) {
    const text = fs.readFileSync(path.join(DATA!, f), 'utf8');
    for (const m of text.matchAll(/^id=([^\x1f\n]*)\x1f?$/gm)) ids.push(m[1]!);
  }
  t.deepEqual(ids, EXAMPLE_IDS.map(([id]) => id));
});
