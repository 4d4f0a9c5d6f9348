import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { hiveHash, javaHash, sipHash64 } from '../framework/job/hashes.ts';
import { totalOrderPartitioner, weightedPartitioner } from '../framework/job/partitioners.ts';
import { runJob } from '../framework/runner/driver.ts';
import { LocalRunner } from '../framework/runner/local.ts';
import { cutPoints, PARTITIONS_FILE, readPartitions } from '../framework/runner/total-order.ts';
import { encodeKey } from '../framework/shuffle/codec.ts';
import { rangePartitioner } from '../framework/shuffle/partitioner.ts';
import { tempDir } from './helpers/cli.ts';

const JOBS = fileURLToPath(new URL('./fixtures/jobs/partitioned.ts', import.meta.url));
const MERGE = fileURLToPath(new URL('./fixtures/jobs/join-merge.ts', import.meta.url));
const dir = tempDir('partitioners');
test.after.always(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A seeded generator in [0, 1). */
function seeded(seed: number): () => number {
  let x = seed;
  return () => (x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

const parts = (out: string): string[] =>
  fs
    .readdirSync(out)
    .filter((f) => f.startsWith('part-'))
    .sort();
const partLines = (out: string, f: string): string[] => fs.readFileSync(path.join(out, f), 'utf8').split('\n').filter(Boolean);

test('ClickHouse hashes give the values of its documentation (javaHash, hiveHash) and of SipHash-2-4 with the zero key (sipHash64)', (t) => {
  // ClickHouse's hash-functions reference: javaHash('Hello, world!') = -1880044555, hiveHash = 267439093.
  t.is(javaHash('Hello, world!'), -1880044555);
  t.is(hiveHash('Hello, world!'), 267439093);
  t.is(hiveHash(Buffer.from('Hello, world!')), 267439093);
  // ClickHouse hashes the UTF-8 bytes as signed chars: 'é' is C3 A9 → 31·(−61) + (−87); Java's own gives 233.
  t.is(javaHash('é'), -1978);
  t.is(hiveHash('é'), -1978 & 0x7fffffff);
  // sipHash64(''): 2202906307356721367 (the value ClickHouse users' code checks for the empty string);
  // sipHash64('hello'): OpenSSL's SIPHASH MAC with a zero key (`openssl mac -macopt hexkey:00…00 -macopt size:8 SIPHASH`), bytes reversed.
  t.is(sipHash64(''), 2202906307356721367n);
  t.is(sipHash64('hello'), 0x8cc15d5db2f752b9n);
});

test('weighted partitioner: weights 9 and 10 send slots 0–8 to shard 0 and 9–18 to shard 1, slot = key mod 19 (ClickHouse Distributed)', (t) => {
  const p = weightedPartitioner<number | bigint>({ weights: [9, 10] });
  t.is(p.partitions, 2);
  const shardOf = (k: number | bigint): number => p(k, 2, new Uint8Array());
  for (let v = 0; v < 57; v++) t.is(shardOf(v), v % 19 < 9 ? 0 : 1, `key ${v}`);
  // A UInt64 beyond 2^53: (2^63 + 5) mod 19 = 2^63 mod 19 + 5.
  const big = 2n ** 63n + 5n;
  t.is(shardOf(big), Number(big % 19n) < 9 ? 0 : 1);
  // Three shards with a zero weight: that shard gets nothing.
  const q = weightedPartitioner<number>({ weights: [1, 0, 2] });
  t.deepEqual([0, 1, 2, 3, 4, 5].map((v) => q(v, 3, new Uint8Array())), [0, 2, 2, 0, 2, 2]);
});

test('weighted partitioner over hiveHash and sipHash64: 100,000 skus split 9:10 (each shard within 2% of its share)', (t) => {
  const next = seeded(42);
  const skus = Array.from({ length: 100_000 }, () => `sku-${Math.floor(next() * 1e9).toString(36)}`);
  for (const hash of ['hiveHash', 'sipHash64'] as const) {
    const p = weightedPartitioner<string>({ weights: [9, 10], hash });
    const counts = [0, 0];
    for (const s of skus) counts[p(s, 2, new Uint8Array())]!++;
    t.true(Math.abs(counts[0]! / skus.length - 9 / 19) < 0.02 * (9 / 19), `${hash}: ${counts.join(':')}`);
    // Each sku lands where ClickHouse puts it: its hash mod 19 against the weights.
    const h = hash === 'hiveHash' ? (s: string) => BigInt(hiveHash(s)) : sipHash64;
    for (const s of skus.slice(0, 500)) t.is(p(s, 2, new Uint8Array()), h(s) % 19n < 9n ? 0 : 1);
  }
});

test('weighted partitioner: bad weights and keys fail naming what is wrong', (t) => {
  t.throws(() => weightedPartitioner({ weights: [] }), { message: /at least one shard/ });
  t.throws(() => weightedPartitioner({ weights: [0, 0] }), { message: /sum to 0/ });
  t.throws(() => weightedPartitioner({ weights: [1.5, 2] }), { message: /whole numbers ≥ 0 \(got 1\.5\)/ });
  const ints = weightedPartitioner<unknown>({ weights: [1, 1] });
  t.throws(() => ints('abc', 2, new Uint8Array()), { message: /sharding key "abc" is not an integer: give hash 'hiveHash' or 'sipHash64'/ });
  t.throws(() => ints(-3, 2, new Uint8Array()), { message: /sharding key -3 is negative/ });
  t.throws(() => ints(2.5, 2, new Uint8Array()), { message: /sharding key 2\.5 is not an integer/ });
  t.throws(() => ints(1, 3, new Uint8Array()), { message: /2 shard\(s\) but the step has 3 reducer\(s\)/ });
  t.throws(() => totalOrderPartitioner({ sample: { records: 0 } }), { message: /sample\.records must be a whole number/ });
});

test('a weighted job writes into each part file the skus ClickHouse sends to that shard; --reducers other than the shard count is refused before any task', async (t) => {
  const input = path.join(dir, 'sales.tsv');
  const next = seeded(7);
  const want = new Map<string, number>();
  const rows: string[] = [];
  for (let i = 0; i < 5000; i++) {
    const sku = `sku${Math.floor(next() * 800)}`;
    const qty = 1 + Math.floor(next() * 5);
    want.set(sku, (want.get(sku) ?? 0) + qty);
    rows.push(`${sku}\t${qty}`);
  }
  fs.writeFileSync(input, `${rows.join('\n')}\n`);
  const out = path.join(dir, 'sharded');
  // No --reducers: the partitioner's two shards decide.
  const report = await runJob({ jobModule: JOBS, jobExport: 'sharded', input: [input], output: out, runner: 'inline', log: () => {} });
  t.is(report.reduces, 2);
  const files = parts(out);
  t.deepEqual(files, ['part-r-00000', 'part-r-00001']);
  const got = new Map<string, number>();
  files.forEach((f, shard) => {
    for (const line of partLines(out, f)) {
      const [sku, n] = line.split('\t');
      t.is(hiveHash(sku!) % 19 < 9 ? 0 : 1, shard, `${sku} in shard ${shard}`);
      got.set(sku!, Number(n));
    }
  });
  t.deepEqual([...got].sort(), [...want].sort());
  const err = await t.throwsAsync(runJob({ jobModule: JOBS, jobExport: 'sharded', input: [input], output: path.join(dir, 'sharded3'), runner: 'inline', reducers: 3, log: () => {} }));
  t.regex(err!.message, /step 0: its partitioner \(weighted 9:10 over hiveHash\) has 2 partition\(s\); the step would run 3 reducer\(s\) \(--reducers\)/);
  t.false(fs.existsSync(path.join(dir, 'sharded3')));
  // Integer keys are used as they are: id mod 19.
  fs.writeFileSync(path.join(dir, 'ids.tsv'), Array.from({ length: 300 }, (_, i) => `${i}\t1`).join('\n') + '\n');
  const byId = path.join(dir, 'by-id');
  await runJob({ jobModule: JOBS, jobExport: 'shardedById', input: [path.join(dir, 'ids.tsv')], output: byId, runner: 'inline', log: () => {} });
  const shard0 = partLines(byId, 'part-r-00000').map((l) => Number(l.split('\t')[0]));
  t.deepEqual(shard0.sort((a, b) => a - b), Array.from({ length: 300 }, (_, i) => i).filter((i) => i % 19 < 9));
});

test('split points: even steps through the sorted sample, past repeats; a range partitioner sends a key to the points at or below it', (t) => {
  const b = (s: string): Buffer => Buffer.from(s);
  const sample = ['e', 'a', 'c', 'g', 'b', 'h', 'd', 'f'].map(b);
  t.deepEqual(cutPoints(sample, 4).map(String), ['c', 'e', 'g']);
  // Many repeats: the second point moves past the first instead of repeating it.
  t.deepEqual(cutPoints(['a', 'a', 'a', 'a', 'a', 'b', 'c', 'd'].map(b), 4).map(String), ['a', 'b', 'c']);
  t.deepEqual(cutPoints(sample, 1), []);
  const p = rangePartitioner(['c', 'e', 'g'].map(b));
  t.deepEqual(['a', 'c', 'cz', 'e', 'f', 'g', 'z'].map((k) => p(k, 4, b(k))), [0, 1, 1, 2, 2, 3, 3]);
  t.throws(() => p('a', 3, b('a')), { message: /3 split point\(s\) make 4 partition\(s\), the step has 3 reducer\(s\)/ });
  t.throws(() => rangePartitioner(['b', 'a'].map(b)), { message: /out of order at point 1/ });
});

test('total order on local workers: the part files read in order are sorted and complete, cut near evenly, and the output keeps its split points', async (t) => {
  const next = seeded(3);
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  const want = new Map<string, number>();
  const files: string[] = [];
  for (let f = 0; f < 6; f++) {
    const lines: string[] = [];
    for (let i = 0; i < 800; i++) {
      const words = Array.from({ length: 5 }, () => Array.from({ length: 1 + Math.floor(next() * 4) }, () => letters[Math.floor(next() * 26)]).join(''));
      for (const w of words) want.set(w, (want.get(w) ?? 0) + 1);
      lines.push(words.join(' '));
    }
    files.push(path.join(dir, `words-${f}.txt`));
    fs.writeFileSync(files.at(-1)!, `${lines.join('\n')}\n`);
  }
  const out = path.join(dir, 'sorted');
  const runner = new LocalRunner(2);
  const logs: string[] = [];
  try {
    await runJob({ jobModule: JOBS, jobExport: 'sorted', input: files, output: out, runner, reducers: 4, conf: { 'bsctl.input.combine': 'false' }, log: (l) => logs.push(l) });
  } finally {
    await runner.close();
  }
  t.true(logs.some((l) => /step 0 partitions in total order over 4 reducer\(s\): split points sampled: 2000 map-output key\(s\) from 5 of 6 split\(s\)/.test(l)), logs.join('\n'));
  const all = parts(out).flatMap((f) => partLines(out, f));
  const keys = all.map((l) => l.split('\t')[0]!);
  for (let i = 1; i < keys.length; i++) t.true(Buffer.compare(encodeKey(keys[i - 1]!), encodeKey(keys[i]!)) < 0, `${keys[i - 1]} before ${keys[i]}`);
  t.deepEqual(all.map((l) => l.split('\t')).map(([w, n]) => [w, Number(n)]).sort(), [...want].sort());
  const sizes = parts(out).map((f) => partLines(out, f).length);
  t.is(sizes.length, 4);
  for (const n of sizes) t.true(n > keys.length / 8, `partition sizes ${sizes.join(', ')}`);
  const rec = await readPartitions(out);
  t.is(rec?.reducers, 4);
  t.is(rec?.points.length, 3);
  // The last key of each partition is below the next point, the first at or above the previous.
  const points = rec!.points.map((p) => Buffer.from(p, 'base64'));
  parts(out).forEach((f, i) => {
    const ks = partLines(out, f).map((l) => encodeKey(l.split('\t')[0]!));
    if (i > 0) t.true(Buffer.compare(ks[0]!, points[i - 1]!) >= 0);
    if (i < 3) t.true(Buffer.compare(ks.at(-1)!, points[i]!) < 0);
  });
});

test('total order and merge join: outputs cut from one partition file join partition by partition (equal to the reduce-side join); cut by their own samples they are refused', async (t) => {
  const write = (name: string, n: number, keys: number, seed: number, tag: string): string => {
    const next = seeded(seed);
    const file = path.join(dir, name);
    fs.writeFileSync(file, Array.from({ length: n }, (_, i) => `k${Math.floor(next() * keys)}\t${tag}${i}`).join('\n') + '\n');
    return file;
  };
  const a = write('ma.tsv', 3000, 500, 5, 'a');
  const b = write('mb.tsv', 600, 900, 9, 'b');
  const run = (jobExport: string, input: string, output: string, extra: Parameters<typeof runJob>[0]['conf'] = {}, sides?: Record<string, string[]>) =>
    runJob({ jobModule: MERGE, jobExport, input: [input], output, runner: 'inline', reducers: 3, conf: extra, log: () => {}, ...(sides ? { sides } : {}) });
  const A = path.join(dir, 'rangeA');
  await run('ranges', a, A);
  const B = path.join(dir, 'rangeB');
  await run('ranges', b, B, { 'mapreduce.totalorderpartitioner.path': A });
  t.deepEqual(await readPartitions(B), await readPartitions(A), 'B was cut at the points of A');
  const merged = await run('inner', A, path.join(dir, 'mj-merge'), { 'bsctl.join.strategy': 'merge' }, { side: [B] });
  await run('inner', A, path.join(dir, 'mj-reduce'), { 'bsctl.join.strategy': 'reduce' }, { side: [B] });
  t.is(merged.joins[0]?.strategy, 'merge');
  const lines = (out: string): string[] => parts(out).flatMap((f) => partLines(out, f)).sort();
  t.true(lines(path.join(dir, 'mj-merge')).length > 100);
  t.deepEqual(lines(path.join(dir, 'mj-merge')), lines(path.join(dir, 'mj-reduce')));
  // B cut by its own sample: other points, so partition p of A and of B hold different keys.
  const B2 = path.join(dir, 'rangeB2');
  await run('ranges', b, B2);
  t.notDeepEqual((await readPartitions(B2))?.points, (await readPartitions(A))?.points);
  const err = await t.throwsAsync(run('inner', A, path.join(dir, 'mj-bad'), { 'bsctl.join.strategy': 'merge' }, { side: [B2] }));
  t.regex(err!.message, new RegExp(`merge join with side: the job's input \\(.*rangeA\\) is cut by the key ranges in its ${PARTITIONS_FILE}, side side \\(.*rangeB2\\) is cut by the key ranges in its ${PARTITIONS_FILE}, different ones`));
  t.false(fs.existsSync(path.join(dir, 'mj-bad')));
  // A partition file for another reducer count is refused naming the conf key.
  const four = await t.throwsAsync(runJob({ jobModule: MERGE, jobExport: 'ranges', input: [b], output: path.join(dir, 'rangeB4'), runner: 'inline', reducers: 4, conf: { 'mapreduce.totalorderpartitioner.path': A }, log: () => {} }));
  t.regex(four!.message, /--conf mapreduce\.totalorderpartitioner\.path=.*rangeA cuts keys for 3 reducer\(s\); the step runs 4/);
});
