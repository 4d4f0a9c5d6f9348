/**
 * Many splits and many files (issue 9, defect 6): a 1-byte split size on a 1 MB file (a million
 * splits) and a directory of 150 000 files used to end in "Maximum call stack size exceeded"
 * (`push(...array)` while planning), and 150 000 tiny files became 150 000 maps. The million splits
 * keep the stack test; the directory test uses 25 000 files (combining, not size: creating 150 000
 * files took ~36 s of CPU in the suite; bench:tasks runs the 150 000). Expected values come from the
 * generated data, never from the code under test.
 */
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { fileSplits } from '../../framework/input/splits.ts';
import { textInput } from '../../framework/input/text.ts';
import type { InputSplit } from '../../framework/input/types.ts';
import { splitChunks } from '../../framework/input/combined.ts';
import { bsctl, outputLines, ROOT, tempDir } from '../helpers/cli.ts';
import { segmentDigest } from '../helpers/full-build.ts';

const root = tempDir('many-splits');
test.after.always(() => fs.rmSync(root, { recursive: true, force: true }));

/** Every byte of a `length`-byte file in exactly one split, in order (plain splits of one file). */
function assertCoversOnce(splits: readonly InputSplit[], file: string, length: number): string | undefined {
  let pos = 0;
  for (const [i, s] of splits.entries()) {
    if (s.path !== file || s.fileIndex !== 0 || s.combined) return `split ${i} is not a plain split of ${file}`;
    if (s.start !== pos) return `split ${i} starts at ${s.start}, expected ${pos}`;
    if (s.length < 1) return `split ${i} is empty`;
    pos += s.length;
  }
  return pos === length ? undefined : `splits cover ${pos} of ${length} bytes`;
}

/** Lines of `n` words from a small vocabulary, and the word counts they hold. */
function wordsText(lines: number, seed: number): { text: string; counts: Map<string, number> } {
  const vocab = ['alpha', 'beta', 'gamma', 'δέλτα', '漢字', 'x', 'emoji😀', 'omega'];
  const counts = new Map<string, number>();
  let text = '';
  let r = seed;
  for (let i = 0; i < lines; i++) {
    const words: string[] = [];
    for (let k = 0; k < 1 + (i % 3); k++) {
      r = (r * 1103515245 + 12345) % 2147483648;
      const w = vocab[r % vocab.length]!;
      words.push(w);
      counts.set(w, (counts.get(w) ?? 0) + 1);
    }
    text += `${words.join(' ')}\n`;
  }
  return { text, counts };
}

const expectedOutput = (counts: Map<string, number>): string =>
  [...counts]
    .map(([w, n]) => `${w}\t${n}`)
    .sort()
    .join('\n');

test('a split size of 1 byte on a 1 MB file plans 1 000 000 splits covering every byte once (no stack overflow)', async (t) => {
  const file = path.join(root, 'one-mb.txt');
  const length = 1_000_000;
  fs.writeFileSync(file, Buffer.alloc(length, 'ab\n'));
  for (const [name, plan] of [
    ['textInput', () => textInput().getSplits([file], { splitSize: 1 })],
    ['fileSplits', () => fileSplits([file], { splitSize: 1 })],
  ] as const) {
    const splits = await plan();
    t.is(splits.length, length, name);
    t.is(assertCoversOnce(splits, file, length), undefined, name);
  }
});

test('a directory of 25 000 tiny files plans into 3 combined splits (10 000, 10 000, 5 000 files) holding every file once, in order', async (t) => {
  const dir = path.join(root, 'files-25k');
  fs.mkdirSync(dir);
  // bench:tasks plans and runs 150 000 (issue 13); here, enough for full and partial combined splits.
  const n = 25_000;
  const names = Array.from({ length: n }, (_, i) => `f${String(i).padStart(6, '0')}.txt`);
  // Lengths 1..9 bytes by position: the oracle for every chunk's length. Written asynchronously, a
  // window at a time, so the other tests of this file keep running meanwhile.
  for (let i = 0; i < n; i += 256) {
    await Promise.all(names.slice(i, i + 256).map((name, k) => fs.promises.writeFile(path.join(dir, name), 'y'.repeat(1 + ((i + k) % 9)))));
  }
  const splits = await textInput().getSplits([dir], {});
  // Default split size 64 MiB; at most 10 000 files per combined split.
  t.deepEqual(splits.map((sp) => [...splitChunks(sp)].length), [10_000, 10_000, 5_000]);
  let next = 0;
  let ok = true;
  for (const s of splits) {
    let bytes = 0;
    for (const c of splitChunks(s)) {
      if (c.path !== path.join(dir, names[next]!) || c.fileIndex !== next || c.start !== 0 || c.length !== 1 + (next % 9) || c.fileLength !== c.length) {
        t.fail(`chunk ${JSON.stringify(c)} is not file ${next}`);
        ok = false;
        break;
      }
      bytes += c.length;
      next++;
    }
    if (!ok) break;
    t.is(s.length, bytes, 'a combined split is as long as its chunks');
    t.deepEqual(s.hosts.length, 1, 'local files: the one host');
    // Compact on the wire: the TaskSpec carries the split as JSON.
    t.true(JSON.stringify(s).length < 40 * 10_000, `${JSON.stringify(s).length} bytes of JSON`);
  }
  t.is(next, n, 'every file in exactly one split');
});

test('word-count over 20 000 tiny files through the CLI: 2 combined maps, exact counts', async (t) => {
  const dir = path.join(root, 'wc-files');
  fs.mkdirSync(dir);
  const all = new Map<string, number>();
  for (let i = 0; i < 20_000; i++) {
    const { text, counts } = wordsText(1 + (i % 3), i);
    fs.writeFileSync(path.join(dir, `part-${String(i).padStart(5, '0')}`), text);
    for (const [w, c] of counts) all.set(w, (all.get(w) ?? 0) + c);
  }
  const out = path.join(root, 'wc-files-out');
  const r = bsctl(['run', 'word-count', '--input', dir, '--output', out, '--workers', '2']);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stderr, /, 2 split\(s\), /);
  t.is(outputLines(out), expectedOutput(all));
});

test('a job of 3 000 splits runs to completion through the CLI, output equal to a one-split run', async (t) => {
  const { text, counts } = wordsText(1_400, 7);
  const file = path.join(root, 'three-thousand.txt');
  fs.writeFileSync(file, text);
  const size = Math.floor(Buffer.byteLength(text) / 3000);
  const many = bsctl(['run', 'word-count', '--input', file, '--output', path.join(root, 'wc-many'), '--split-size', String(size), '--runner', 'inline']);
  t.is(many.code, 0, many.stderr);
  const maps = Number(/, (\d+) split\(s\), /.exec(many.stderr)?.[1]);
  t.true(maps >= 3000, `${maps} splits`);
  const one = bsctl(['run', 'word-count', '--input', file, '--output', path.join(root, 'wc-one')]);
  t.is(one.code, 0, one.stderr);
  t.regex(one.stderr, /, 1 split\(s\), /);
  t.is(outputLines(path.join(root, 'wc-many')), outputLines(path.join(root, 'wc-one')));
  t.is(outputLines(path.join(root, 'wc-one')), expectedOutput(counts));
});

/** One ha3 document. */
const doc = (cmd: string, fields: Record<string, string>): string =>
  `CMD=${cmd}\x1F\n${Object.entries(fields)
    .map(([k, v]) => `${k}=${v}\x1F\n`)
    .join('')}\x1E\n`;

test('full build over 400 small ha3 files: combined, uncombined and one concatenated file give byte-identical segments', async (t) => {
  const dir = path.join(root, 'ha3-files');
  fs.mkdirSync(dir);
  let all = '';
  let minLength = Infinity;
  for (let i = 0; i < 400; i++) {
    // Primary keys recur across files: later files' updates and deletes must win (data-path order).
    const id = String(i % 97);
    let text = doc('add', { id, hits: String(i), title: `title ${i % 13} word${i % 7}`, subject: `file ${i}`, createtime: String(1700000000000 + i), tags: `t${i % 5}\x1Dall` });
    if (i % 3 === 0) text += doc('update_field', { id: String((i * 7) % 97), hits: String(1000 + i) });
    if (i % 11 === 0) text += doc('delete', { id: String((i * 5) % 97) });
    fs.writeFileSync(path.join(dir, `d${String(i).padStart(3, '0')}.ha3`), text);
    all += text;
    minLength = Math.min(minLength, Buffer.byteLength(text));
  }
  const one = path.join(root, 'ha3-one.ha3');
  fs.writeFileSync(one, all);
  const schema = path.join(ROOT, 'fixtures/in1/schema.json');
  const build = (name: string, data: string, extra: string[]): { stderr: string; digest: Record<string, string> } => {
    const indexRoot = path.join(root, `index-${name}`);
    const r = bsctl(['run', 'full-build', '--table', 't', '--schema', schema, '--data', data, '--partitions', '2', '--index-root', indexRoot, ...extra]);
    t.is(r.code, 0, `${name}: ${r.stderr}`);
    return { stderr: r.stderr, digest: segmentDigest(path.join(indexRoot, 't', 'generation_0')) };
  };
  const combined = build('combined', dir, ['--workers', '2']);
  t.regex(combined.stderr, /, 1 split\(s\), /, 'the 400 files are one combined split');
  // A split size no file is smaller than: one plain split (or more) per file, no combining.
  const uncombined = build('uncombined', dir, ['--split-size', String(minLength), '--runner', 'inline']);
  const maps = Number(/, (\d+) split\(s\), /.exec(uncombined.stderr)?.[1]);
  t.true(maps >= 400, `${maps} splits`);
  const single = build('single', one, ['--runner', 'inline']);
  // Combining switched off from the command line: one split per file.
  const off = build('off', dir, ['--runner', 'inline', '--conf', 'bsctl.input.combine=false']);
  t.regex(off.stderr, /, 400 split\(s\), /);
  t.deepEqual(off.digest, single.digest);
  t.true(Object.keys(combined.digest).length > 20);
  t.deepEqual(combined.digest, uncombined.digest);
  t.deepEqual(combined.digest, single.digest);
});
