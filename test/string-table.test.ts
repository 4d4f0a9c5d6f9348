import test from 'ava';
import { StringTable } from '../framework/shuffle/string-table.ts';

function randomKey(rnd: () => number): string {
  const kinds = ['', 'a', 'ab', 'word', 'é', '漢字', '😀', '\uD800', 'x'.repeat(300)];
  if (rnd() < 0.3) return kinds[Math.floor(rnd() * kinds.length)]!;
  let s = '';
  const n = Math.floor(rnd() * 12);
  for (let i = 0; i < n; i++) s += String.fromCharCode(rnd() < 0.8 ? 97 + Math.floor(rnd() * 6) : 0x4e00 + Math.floor(rnd() * 50));
  return s;
}

test('StringTable counts exactly like a Map over 200k random keys (growth, collisions, unicode)', (t) => {
  let seed = 1;
  const rnd = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const table = new StringTable<number>();
  const oracle = new Map<string, number>();
  for (let i = 0; i < 200_000; i++) {
    const k = randomKey(rnd);
    oracle.set(k, (oracle.get(k) ?? 0) + 1);
    const h = StringTable.hash(k);
    const e = table.find(k, h);
    if (e >= 0) table.values[e]! += 1;
    else table.insert(k, h, e, 1);
  }
  t.is(table.size, oracle.size);
  t.true(table.size > 10_000);
  const got = new Map(table.keys().map((k, e) => [k, table.values[e]!]));
  t.deepEqual([...got].sort(), [...oracle].sort());
  // Keys that differ only in one code unit, and the empty key, stay distinct.
  t.true(got.has('') && got.has('\uD800') && got.has('a') && got.has('ab'));
});

test('StringTable: hashOf and findOf over a range equal hash and find of the slice', (t) => {
  const table = new StringTable<number>();
  const text = ' ab abc 漢字 😀 ab  x abc';
  const words = ['ab', 'abc', '漢字', '😀', 'x'];
  for (const [i, w] of words.entries()) {
    const h = StringTable.hash(w);
    table.insert(w, h, table.find(w, h), i);
  }
  for (let start = 0; start <= text.length; start++) {
    for (let end = start; end <= text.length; end++) {
      const slice = text.slice(start, end);
      const h = StringTable.hash(slice);
      t.is(StringTable.hashOf(text, start, end), h);
      const found = table.findOf(text, start, end, h);
      if (found !== table.find(slice, h)) t.fail(`findOf(${start}, ${end}) = ${found} for ${JSON.stringify(slice)}`);
      if (words.includes(slice)) t.is(table.keys()[found], slice);
    }
  }
});
