import test from 'ava';
import { randomBytes } from 'node:crypto';
import { encodeKey } from '../framework/shuffle/codec.ts';
import { keyFieldPartition, orderField, parseStreamingLine, partitionTags, streamingLine } from '../framework/shuffle/streaming-lines.ts';

test("keyFieldPartition is KeyFieldBasedPartitioner's hash: Java's String.hashCode of the field, sign bit cleared, mod reducers", (t) => {
  // Java: "hello".hashCode() == 99162322, "Aa" and "BB" collide (2112), "polygenelubricants" is negative (-2147483648).
  t.is(keyFieldPartition('hello', 1_000_000_007), 99162322 % 1_000_000_007);
  t.is(keyFieldPartition('Aa', 10_000), 2112);
  t.is(keyFieldPartition('BB', 10_000), 2112);
  t.is(keyFieldPartition('polygenelubricants', 7), 0); // (-2^31 & 0x7fffffff) = 0
});

test('partitionTags: one tag per partition, each hashing to its partition, for 1 to 500 reducers', (t) => {
  for (const n of [1, 2, 3, 7, 64, 500]) {
    const tags = partitionTags(n);
    t.is(tags.length, n);
    t.is(new Set(tags).size, n);
    tags.forEach((tag, p) => t.is(keyFieldPartition(tag, n), p, `reducers ${n}, partition ${p}, tag ${tag}`));
  }
  t.throws(() => partitionTags(0), { message: /reducers must be a whole number/ });
});

test("Streaming lines sort as bsctl's keys do (Text byte order), equal keys in map then write order; they parse back", (t) => {
  const keys = ['', 'a', 'ab', 'abc', 'b', 'é', '中', 'z'.repeat(40), ...Array.from({ length: 200 }, () => randomBytes(1 + (randomBytes(1)[0]! % 9)).toString('latin1'))].map((k) => encodeKey(k));
  keys.push(encodeKey(3), encodeKey(-1), encodeKey(2 ** 40), encodeKey(0.5));
  const records = keys.flatMap((key, i) => [0, 1].map((map) => ({ key, map, seq: i, value: Buffer.from(`v${i}.${map}`) })));
  const lines = records.map((r) => streamingLine('7', r.key, orderField(r.map, r.seq), r.value));
  // Hadoop compares the Streaming key (the first three fields) as bytes.
  const streamingKey = (l: string): Buffer => Buffer.from(l.split('\t').slice(0, 3).join('\t'), 'latin1');
  const sorted = [...lines].sort((a, b) => Buffer.compare(streamingKey(a), streamingKey(b)));
  const expected = [...records].sort((a, b) => Buffer.compare(a.key, b.key) || a.map - b.map || a.seq - b.seq);
  t.deepEqual(sorted.map((l, n) => parseStreamingLine(l.slice(0, -1), n + 1).value.toString()), expected.map((r) => r.value.toString()));
  const back = parseStreamingLine(lines[3]!.slice(0, -1), 4);
  t.is(back.tag, '7');
  t.true(back.key.equals(records[3]!.key));
  t.throws(() => parseStreamingLine('7\tzz', 12), { message: /shuffle line 12 is not a bsctl record/ });
  t.throws(() => parseStreamingLine('7\tabc\t0000000000000000\tAA==', 3), { message: /shuffle line 3/ });
});
