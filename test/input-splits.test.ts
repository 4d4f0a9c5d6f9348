/**
 * Input splits and record boundaries (Hadoop's rule): whatever the split size, reading every split of a
 * file yields each record exactly once, in file order. Expected records are computed independently
 * from the whole file content (string splitting), never with the reader under test.
 */
import test from 'ava';
import type { ExecutionContext } from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { textInput } from '../framework/input/text.ts';
import { tsvInput } from '../framework/input/tsv.ts';
import { ha3Input, type Ha3Document } from '../framework/input/ha3.ts';
import type { InputFormat, InputSplit } from '../framework/input/types.ts';
import { splitChunks, type FileChunk } from '../framework/input/combined.ts';
import { combineSmallFiles } from '../framework/input/combine.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bsctl-splits-test-'));
test.after.always(() => fs.rmSync(root, { recursive: true, force: true }));

let counter = 0;
/** A fresh directory under the test root. */
function freshDir(): string {
  const d = path.join(root, `d${counter++}`);
  fs.mkdirSync(d, { recursive: true });
  return d;
}
function writeFile(name: string, content: string | Buffer): string {
  const p = path.join(freshDir(), name);
  fs.writeFileSync(p, content);
  return p;
}

type Rec<V> = [number, V];

/** Read the splits one after another, checking that each record belongs to the split that read it. */
async function readSplits<V>(t: ExecutionContext, fmt: InputFormat<number, V>, splits: readonly InputSplit[], label: string): Promise<Rec<V>[]> {
  const out: Rec<V>[] = [];
  const perSplit = await Promise.all(
    splits.map(async (s) => {
      const reader = fmt.createRecordReader(s);
      const mine: Rec<V>[] = [];
      await reader.read((k, v) => mine.push([k, v]));
      return { s, reader, mine };
    }),
  );
  for (const { s, reader, mine } of perSplit) {
    if (!s.path.endsWith('.gz')) {
      // Hadoop's rule: a record starting at byte p belongs to the split holding byte p-1 (p = 0: first split).
      for (const [k] of mine) {
        const owned = s.start === 0 ? k >= 0 && k <= s.start + s.length : k > s.start && k <= s.start + s.length;
        if (!owned) t.fail(`${label}: split [${s.start}, ${s.start + s.length}) read a record at byte ${k} it does not own`);
      }
      if (reader.bytesRead !== s.length) t.fail(`${label}: split [${s.start}, +${s.length}) reports bytesRead ${reader.bytesRead}`);
    }
    out.push(...mine);
  }
  return out;
}

/** Split geometry: contiguous, covering the file, all of `size` but the last, which is ≤ 1.1 × size. */
function checkGeometry(t: ExecutionContext, splits: readonly InputSplit[], fileLength: number, size: number, label: string): void {
  let pos = 0;
  for (const [i, s] of splits.entries()) {
    if (s.start !== pos) t.fail(`${label}: split ${i} starts at ${s.start}, expected ${pos}`);
    if (s.fileLength !== fileLength) t.fail(`${label}: split ${i} fileLength ${s.fileLength}`);
    if (i < splits.length - 1 && s.length !== size) t.fail(`${label}: split ${i} length ${s.length} != ${size}`);
    if (s.length < 1) t.fail(`${label}: empty split ${i}`);
    pos += s.length;
  }
  if (pos !== fileLength) t.fail(`${label}: splits cover ${pos} of ${fileLength} bytes`);
  const last = splits[splits.length - 1];
  if (last && last.length / size > 1.1) t.fail(`${label}: last split ${last.length} > 1.1 × ${size}`);
}

// ---------------------------------------------------------------------------------------------
// Independent oracles.

/** Lines of a text: split on "\n", no record after a final "\n", one trailing "\r" removed. */
function textOracle(content: string): Rec<string>[] {
  const lines = content.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  let off = 0;
  return lines.map((l) => {
    const rec: Rec<string> = [off, l.endsWith('\r') ? l.slice(0, -1) : l];
    off += Buffer.byteLength(l, 'utf8') + 1;
    return rec;
  });
}

function tsvOracle(content: string): Rec<string[]>[] {
  return textOracle(content)
    .filter(([, l]) => l !== '')
    .map(([k, l]) => [k, l.split('\t')]);
}

interface DocView {
  offset: number;
  fields: [string, string][];
}

/** ha3 documents: split at "\x1E\n", a final bare "\x1E" accepted, fields split at "\x1F\n" then the first "=". */
function ha3Oracle(content: string): DocView[] {
  const parts = content.split('\x1E\n');
  const docs: DocView[] = [];
  let off = 0;
  for (const [i, raw] of parts.entries()) {
    const last = i === parts.length - 1;
    const body = last && raw.endsWith('\x1E') ? raw.slice(0, -1) : raw;
    if (body.trim() !== '') {
      const fields = body
        .split('\x1F\n')
        .filter((l) => l !== '')
        .map((l): [string, string] => {
          const eq = l.indexOf('=');
          return [l.slice(0, eq), l.slice(eq + 1)];
        });
      docs.push({ offset: off, fields });
    }
    off += Buffer.byteLength(raw, 'utf8') + 2;
  }
  return docs;
}

function docView([k, d]: Rec<Ha3Document>): DocView & { key: number; problems: number } {
  return { key: k, offset: d.offset, fields: d.fields.map(([a, b]) => [a, b]), problems: d.problems.length };
}

/** For every split size 1 .. length+2: the union of all splits equals `expected`. */
async function sweep<V, E>(
  t: ExecutionContext,
  fmt: InputFormat<number, V>,
  file: string,
  expected: E,
  view: (records: Rec<V>[]) => E,
  label: string,
  maxSize?: number,
): Promise<void> {
  const len = fs.statSync(file).size;
  let failures = 0;
  for (let size = 1; size <= (maxSize ?? len + 2); size++) {
    const splits = await fmt.getSplits([file], { splitSize: size });
    checkGeometry(t, splits, len, size, `${label} size ${size}`);
    const got = view(await readSplits(t, fmt, splits, `${label} size ${size}`));
    if (JSON.stringify(got) !== JSON.stringify(expected)) {
      failures++;
      if (failures <= 3) t.deepEqual(got, expected, `${label}: split size ${size}`);
    }
  }
  t.is(failures, 0, `${label}: split sizes with wrong records`);
}

// ---------------------------------------------------------------------------------------------
// Text.

const TEXT_CASES: Record<string, string> = {
  'mixed, trailing newline': 'ab\n漢字\n😀x\n\n\r\nline with emoji 😀😀 and CJK 中文\r\n\né\nlast 🎉\n',
  'mixed, no trailing newline': 'ab\n漢字\n😀x\n\n\r\nline with emoji 😀😀 and CJK 中文\r\n\né\nlast-no-newline 🎉',
  'emoji right after each delimiter': '😀\n😀\n😀😀\n𝄞\n\u{10FFFF}',
  'only newlines': '\n\n\n',
  'leading empty lines': '\n\nx\n',
  'single char, no newline': 'x',
  'single 4-byte char': '😀',
  'one-byte lines': 'a\nb\nc\n',
  'CRLF everywhere': 'a\r\nb\r\n\r\nc😀\r\n中\r\n',
  'lone CR inside a line is data': 'a\rb\n\r\r\nc\r',
  'long multi-byte lines': `${'漢'.repeat(10)}\n${'😀'.repeat(8)}x\n${'é'.repeat(12)}\r\n`,
};

for (const [name, content] of Object.entries(TEXT_CASES)) {
  test(`text: every record exactly once for every split size — ${name}`, async (t) => {
    const file = writeFile('in.txt', content);
    const expected = textOracle(content);
    t.true(expected.length > 0);
    await sweep(t, textInput(), file, expected, (r) => r, `text ${name}`);
  });
}

test('text: record values and offsets (spot check of the oracle and the reader)', async (t) => {
  const content = 'a\r\nb😀c\n\n漢字\r\nlast';
  const file = writeFile('spot.txt', content);
  const fmt = textInput();
  const got = await readSplits(t, fmt, await fmt.getSplits([file], { splitSize: 3 }), 'spot');
  t.deepEqual(got, [
    [0, 'a'],
    [3, 'b😀c'],
    [10, ''],
    [11, '漢字'],
    [19, 'last'],
  ]);
});

test('text: an empty file has no splits and no records', async (t) => {
  const file = writeFile('empty.txt', '');
  t.deepEqual(await textInput().getSplits([file], { splitSize: 1 }), []);
});

// ---------------------------------------------------------------------------------------------
// TSV.

const TSV_CASES: Record<string, string> = {
  'with trailing newline': 'a\tb\tc\n漢\t😀\t\n\n\t\nx\r\n\r\nlast\tcol😀\n',
  'without trailing newline': 'a\tb\tc\n漢\t😀\t\n\n\t\nx\r\n\r\nlast\tcol😀',
  'empty columns and CRLF': '\t\t\r\n😀\t中文\tz\r\n\r\n',
};

for (const [name, content] of Object.entries(TSV_CASES)) {
  test(`tsv: every record exactly once for every split size — ${name}`, async (t) => {
    const file = writeFile('in.tsv', content);
    const expected = tsvOracle(content);
    t.true(expected.length > 0);
    await sweep(t, tsvInput(), file, expected, (r) => r, `tsv ${name}`);
  });
}

test('tsv: columns, empty columns kept, empty lines skipped, \\r stripped', async (t) => {
  const file = writeFile('cols.tsv', 'a\t\tb\n\n\t\r\n😀\n');
  const fmt = tsvInput();
  const got = await readSplits(t, fmt, await fmt.getSplits([file], {}), 'cols');
  t.deepEqual(got, [
    [0, ['a', '', 'b']],
    [6, ['', '']],
    [9, ['😀']],
  ]);
});

// ---------------------------------------------------------------------------------------------
// ha3.

function ha3Doc(fields: [string, string][]): string {
  return `${fields.map(([k, v]) => `${k}=${v}\x1F\n`).join('')}\x1E\n`;
}

const HA3_DOCS = [
  ha3Doc([
    ['CMD', 'add'],
    ['id', '1'],
    ['t', '集团😀'],
    ['g', 'a\x1Db\x1D漢'],
  ]),
  ha3Doc([
    ['CMD', 'delete'],
    ['id', '2'],
  ]),
  ha3Doc([
    ['CMD', 'add'],
    ['id', '😀'],
    ['u', 'a=b=c'],
    ['e', ''],
  ]),
  ha3Doc([
    ['CMD', 'update_field'],
    ['id', '4'],
    ['h', '5'],
  ]),
].join('');

const HA3_CASES: Record<string, string> = {
  'ends with \\x1E\\n': HA3_DOCS,
  'ends with a bare \\x1E (like rt.data)': HA3_DOCS.slice(0, -1),
  'ends with \\x1E\\n and a blank line': `${HA3_DOCS}\n`,
  'single document, bare \\x1E': 'CMD=add\x1F\nid=漢\x1F\n\x1E',
};

for (const [name, content] of Object.entries(HA3_CASES)) {
  test(`ha3: every document exactly once for every split size — ${name}`, async (t) => {
    const file = writeFile('in.ha3', content);
    const expected = ha3Oracle(content).map((d) => ({ key: d.offset, offset: d.offset, fields: d.fields, problems: 0 }));
    t.true(expected.length > 0);
    await sweep(t, ha3Input(), file, expected, (r) => r.map(docView), `ha3 ${name}`);
  });
}

// ---------------------------------------------------------------------------------------------
// Split sizes: SPLIT_SLOP.

test('SPLIT_SLOP: the last split may be up to 10% larger than the split size', async (t) => {
  const cases: [number, number[]][] = [
    [100, [100]],
    [105, [105]],
    [110, [110]],
    [111, [100, 11]],
    [210, [100, 110]],
    [211, [100, 100, 11]],
    [330, [100, 100, 100, 30]],
    [99, [99]],
  ];
  for (const [len, lengths] of cases) {
    const file = writeFile(`slop-${len}.txt`, `${'x'.repeat(len - 1)}\n`);
    const splits = await textInput().getSplits([file], { splitSize: 100 });
    t.deepEqual(
      splits.map((s) => s.length),
      lengths,
      `${len}-byte file, split size 100`,
    );
    let start = 0;
    for (const s of splits) {
      t.is(s.start, start);
      t.is(s.fileLength, len);
      t.is(s.fileIndex, 0);
      t.is(s.path, file);
      t.true(Array.isArray(s.hosts));
      start += s.length;
    }
  }
});

test('split size defaults to the block size (one split for a small file)', async (t) => {
  const file = writeFile('default.txt', 'a\nb\nc\n');
  const splits = await textInput().getSplits([file], {});
  t.is(splits.length, 1);
  t.is(splits[0]!.length, 6);
});

test('a numSplits hint (mapreduce.job.maps) splits at total/numSplits, bounded by the block size and minSplitSize; an explicit split size wins', async (t) => {
  const line = 'x'.repeat(99) + '\n';
  const a = writeFile('hint-a.txt', line.repeat(6000)); // 600,000 bytes
  const b = writeFile('hint-b.txt', line.repeat(2000)); // 200,000 bytes
  const fmt = textInput();
  const lengths = async (o: Parameters<typeof fmt.getSplits>[1]): Promise<number[]> => (await fmt.getSplits([a, b], { ...o, combine: false })).map((x) => x.length);
  // Goal 800,000 / 8 = 100,000 bytes: 6 splits of file a, 2 of file b.
  t.deepEqual(await lengths({ numSplits: 8 }), [100_000, 100_000, 100_000, 100_000, 100_000, 100_000, 100_000, 100_000]);
  // split.minsize raises the goal to 250,000 bytes: file a is 250,000 + 250,000 + 100,000, file b one split.
  t.deepEqual(await lengths({ numSplits: 8, minSplitSize: 250_000 }), [250_000, 250_000, 100_000, 200_000]);
  // Never above the block size (64 MiB on local disk): one split per file, as without a hint.
  t.deepEqual(await lengths({ numSplits: 1 }), [600_000, 200_000]);
  t.deepEqual(await lengths({ numSplits: 8, splitSize: 300_000 }), [300_000, 300_000, 200_000]);
  // Whatever the hint, every record is read once.
  const splits = await fmt.getSplits([a, b], { numSplits: 7 });
  t.is((await readSplits(t, fmt, splits, 'hint')).length, 8000);
});

// ---------------------------------------------------------------------------------------------
// Paths: directories, globs, several files, missing paths.

function makeInputDir(): string {
  const dir = freshDir();
  fs.writeFileSync(path.join(dir, 'b.txt'), 'b1\nb2\n');
  fs.writeFileSync(path.join(dir, 'a.txt'), 'a1\na2\n');
  fs.writeFileSync(path.join(dir, 'c.log'), 'c1\n');
  fs.writeFileSync(path.join(dir, '_SUCCESS'), 'hidden-success\n');
  fs.writeFileSync(path.join(dir, '_x.txt'), 'hidden-underscore\n');
  fs.writeFileSync(path.join(dir, '.x.txt'), 'hidden-dot\n');
  // Hidden subdirectories (like a job output's _temporary) are skipped too.
  fs.mkdirSync(path.join(dir, '_temporary'));
  fs.writeFileSync(path.join(dir, '_temporary', 'd.txt'), 'in-hidden-subdir\n');
  return dir;
}

async function linesOf(paths: string[], splitSize = 2): Promise<{ lines: string[]; files: [string, number][] }> {
  const fmt = textInput();
  const splits = await fmt.getSplits(paths, { splitSize });
  const lines: string[] = [];
  for (const s of splits) await fmt.createRecordReader(s).read((_k, v) => lines.push(v));
  const files: [string, number][] = [];
  for (const s of splits) if (!files.some(([p, i]) => p === path.basename(s.path) && i === s.fileIndex)) files.push([path.basename(s.path), s.fileIndex]);
  return { lines, files };
}

test('directory input: files in name order, hidden (_x, .x) files and directories skipped; a visible subdirectory is an error', async (t) => {
  const dir = makeInputDir();
  const { lines, files } = await linesOf([dir]);
  t.deepEqual(files, [
    ['a.txt', 0],
    ['b.txt', 1],
    ['c.log', 2],
  ]);
  t.deepEqual(lines, ['a1', 'a2', 'b1', 'b2', 'c1']);
  // Like Hadoop's FileInputFormat ("Not a file"): never silently drop a subdirectory's data.
  fs.mkdirSync(path.join(dir, 'sub'));
  fs.writeFileSync(path.join(dir, 'sub', 'd.txt'), 'in-subdir\n');
  await t.throwsAsync(linesOf([dir]), { message: `input path ${dir}: ${dir}/sub is a directory (not a file); name the files or a glob instead` });
});

test('glob input: matches sorted by name, hidden files skipped', async (t) => {
  const dir = makeInputDir();
  t.deepEqual((await linesOf([path.join(dir, '*.txt')])).lines, ['a1', 'a2', 'b1', 'b2']);
  t.deepEqual((await linesOf([path.join(dir, '{b,a}.txt')])).files, [
    ['a.txt', 0],
    ['b.txt', 1],
  ]);
  const all = await linesOf([path.join(dir, '*')]);
  t.deepEqual(all.lines, ['a1', 'a2', 'b1', 'b2', 'c1']);
  t.false(all.lines.some((l) => l.startsWith('hidden')));
});

test('several inputs: read in the order given, fileIndex = position among the inputs', async (t) => {
  const dir = makeInputDir();
  const z = writeFile('z.txt', 'z1\nz2');
  const { lines, files } = await linesOf([z, path.join(dir, 'b.txt'), dir]);
  t.deepEqual(lines, ['z1', 'z2', 'b1', 'b2', 'a1', 'a2', 'b1', 'b2', 'c1']);
  t.deepEqual(files.slice(0, 2), [
    ['z.txt', 0],
    ['b.txt', 1],
  ]);
  const fmt = textInput();
  const splits = await fmt.getSplits([z, path.join(dir, 'b.txt'), dir], { splitSize: 2 });
  t.deepEqual(
    [...new Set(splits.map((s) => `${path.basename(s.path)}#${s.fileIndex}`))],
    ['z.txt#0', 'b.txt#1', 'a.txt#2', 'b.txt#3', 'c.log#4'],
  );
  // fileIndex never decreases along the split list.
  for (let i = 1; i < splits.length; i++) t.true(splits[i]!.fileIndex >= splits[i - 1]!.fileIndex);
});

test('an empty file among the inputs yields no split but keeps its position', async (t) => {
  const empty = writeFile('empty.txt', '');
  const a = writeFile('a.txt', 'x\n');
  const splits = await textInput().getSplits([empty, a], { splitSize: 10 });
  t.is(splits.length, 1);
  t.is(splits[0]!.path, a);
  t.is(splits[0]!.fileIndex, 1);
});

test('a missing input path is an error naming the path', async (t) => {
  const missing = path.join(root, 'no-such-dir', 'missing-input.txt');
  for (const fmt of [textInput(), tsvInput(), ha3Input()] as InputFormat<number, unknown>[]) {
    const err = await t.throwsAsync(fmt.getSplits([missing], { splitSize: 10 }));
    t.true(err!.message.includes(missing), err!.message);
  }
  // The existing inputs before it do not hide the error.
  const ok = writeFile('ok.txt', 'x\n');
  const err = await t.throwsAsync(textInput().getSplits([ok, missing], {}));
  t.true(err!.message.includes('missing-input.txt'));
});

test('a glob matching nothing is an error naming the glob', async (t) => {
  const dir = makeInputDir();
  const pattern = path.join(dir, '*.nothing');
  const err = await t.throwsAsync(textInput().getSplits([pattern], {}));
  t.true(err!.message.includes(pattern), err!.message);
});

test('no input path at all is an error', async (t) => {
  await t.throwsAsync(textInput().getSplits([], {}), { message: /input/ });
});

// ---------------------------------------------------------------------------------------------
// Compressed input.

test('.gz text input: one split whatever the split size, read fully with uncompressed offsets', async (t) => {
  let content = '';
  for (let i = 0; i < 6000; i++) content += `${i} ${'漢😀é'.repeat(i % 13)} ${'x'.repeat(i % 29)}${i % 7 === 0 ? '\r' : ''}\n`;
  content += 'last line without newline 🎉';
  const file = writeFile('big.txt.gz', zlib.gzipSync(Buffer.from(content, 'utf8')));
  const fmt = textInput();
  for (const size of [1, 100, 4096]) {
    const splits = await fmt.getSplits([file], { splitSize: size });
    t.is(splits.length, 1, `split size ${size}`);
    t.is(splits[0]!.start, 0);
    t.is(splits[0]!.length, fs.statSync(file).size);
  }
  const [split] = await fmt.getSplits([file], { splitSize: 1 });
  sameRecords(t, await readSplits(t, fmt, [split!], 'gz'), textOracle(content), 'gz');
});

test('.gz input: bytesRead (used for progress and the "Bytes read" counter) stays within the split', async (t) => {
  // A map task reports progress as bytesRead / split.length; for a .gz split, split.length is the
  // compressed size, so bytesRead must be measured in the same (compressed) bytes: a finished read
  // consumed exactly the whole split, as for uncompressed splits.
  const content = 'hello world\n'.repeat(10_000);
  const file = writeFile('progress.txt.gz', zlib.gzipSync(content));
  const fmt = textInput();
  const [split] = await fmt.getSplits([file], {});
  const reader = fmt.createRecordReader(split!);
  let records = 0;
  let maxSeen = 0;
  await reader.read(
    () => records++,
    () => {
      maxSeen = Math.max(maxSeen, reader.bytesRead);
    },
  );
  t.is(records, 10_000);
  t.true(maxSeen <= split!.length, `bytesRead during the read: ${maxSeen} > split length ${split!.length}`);
  t.is(reader.bytesRead, split!.length, `bytesRead after the read (split length ${split!.length}, ${content.length} bytes uncompressed)`);
});

test('.gz tsv and ha3 input are read fully too', async (t) => {
  const tsv = 'a\tb\n\n漢\t😀\nlast\tx';
  const tsvFile = writeFile('x.tsv.gz', zlib.gzipSync(tsv));
  const tsvGot = await readSplits(t, tsvInput(), await tsvInput().getSplits([tsvFile], { splitSize: 1 }), 'tsv gz');
  t.deepEqual(tsvGot, tsvOracle(tsv));

  let ha3 = '';
  for (let i = 0; i < 3000; i++) ha3 += ha3Doc([['CMD', 'add'], ['id', String(i)], ['title', '漢字😀'.repeat(i % 11)]]);
  ha3 = ha3.slice(0, -1); // bare \x1E at the end
  const ha3File = writeFile('x.ha3.gz', zlib.gzipSync(ha3));
  const splits = await ha3Input().getSplits([ha3File], { splitSize: 1 });
  t.is(splits.length, 1);
  const got = (await readSplits(t, ha3Input(), splits, 'ha3 gz')).map(docView);
  sameRecords(
    t,
    got,
    ha3Oracle(ha3).map((d) => ({ key: d.offset, offset: d.offset, fields: d.fields, problems: 0 })),
    'ha3 gz',
  );
});

// ---------------------------------------------------------------------------------------------
// Large files: records and multi-byte delimiters across the reader's 1 MiB chunk boundaries.

/** Deep equality for large record lists (ava's deepEqual is slow on thousands of records): diff only on mismatch. */
function sameRecords(t: ExecutionContext, got: unknown[], expected: unknown[], msg: string): void {
  t.is(got.length, expected.length, msg);
  if (JSON.stringify(got) !== JSON.stringify(expected)) t.deepEqual(got, expected, msg);
}

const MiB = 1024 * 1024;

function manualSplits(file: string, cuts: number[]): InputSplit[] {
  const len = fs.statSync(file).size;
  const edges = [0, ...cuts, len];
  return edges.slice(0, -1).map((start, i) => ({ path: file, start, length: edges[i + 1]! - start, fileLength: len, hosts: [], fileIndex: 0 }));
}

test('large text file: every record exactly once across 1 MiB read-chunk boundaries', async (t) => {
  const parts: string[] = [];
  let bytes = 0;
  for (let i = 0; bytes < 2.3 * MiB; i++) {
    const line = `${i}:${'漢'.repeat((i * 7919) % 700)}${'😀'.repeat(i % 5)}${i % 3 === 0 ? '\r' : ''}\n${i % 50 === 0 ? '\n' : ''}`;
    parts.push(line);
    bytes += Buffer.byteLength(line);
  }
  parts.push('tail');
  const content = parts.join('');
  const file = writeFile('large.txt', content);
  const len = fs.statSync(file).size;
  const expected = textOracle(content);
  const fmt = textInput();
  for (const size of [MiB, MiB - 1, MiB + 1, 500_000, 123_457]) {
    const splits = await fmt.getSplits([file], { splitSize: size });
    checkGeometry(t, splits, len, size, `large size ${size}`);
    sameRecords(t, await readSplits(t, fmt, splits, `large size ${size}`), expected, `split size ${size}`);
  }
  for (const cut of [1, 2, MiB - 1, MiB, MiB + 1, 2 * MiB - 1, 2 * MiB, 2 * MiB + 1, len - 1]) {
    sameRecords(t, await readSplits(t, fmt, manualSplits(file, [cut]), `cut ${cut}`), expected, `two splits cut at ${cut}`);
  }
});

test('large ha3 file: the 2-byte \\x1E\\n delimiter split across 1 MiB read chunks', async (t) => {
  // Layout: small docs; one huge document (> 1 MiB) ; small docs, one of which has its \x1E at byte
  // 2 MiB - 1 (so a split starting at 0 sees \x1E and \n in different chunks).
  const parts: string[] = [];
  let bytes = 0;
  const add = (doc: string): void => {
    parts.push(doc);
    bytes += Buffer.byteLength(doc);
  };
  let id = 0;
  const small = (): string => ha3Doc([['CMD', 'add'], ['id', String(id++)], ['title', '中文😀'.repeat(id % 9)]]);
  while (bytes < 800) add(small());
  const hugeStart = bytes;
  add(ha3Doc([['CMD', 'add'], ['id', 'huge'], ['body', 'é'.repeat(600_000)]]));
  const hugeEnd = bytes - 2; // its \x1E
  const target = 2 * MiB - 1;
  while (bytes < target - 400) add(small());
  const fixed = (pad: number): string => ha3Doc([['CMD', 'add'], ['id', 'boundary'], ['pad', 'x'.repeat(pad)]]);
  add(fixed(target - (bytes + Buffer.byteLength(fixed(0)) - 2)));
  const boundaryDocEnd = bytes - 2;
  t.is(boundaryDocEnd, target);
  for (let k = 0; k < 200; k++) add(small());
  const content = parts.join('').slice(0, -1); // bare \x1E at the end
  const file = writeFile('large.ha3', content);
  const expected = ha3Oracle(content).map((d) => ({ key: d.offset, offset: d.offset, fields: d.fields, problems: 0 }));
  const fmt = ha3Input();

  // A split starting at x reads from x-1, so its chunk boundary falls at x-1+1MiB: pick x so that this
  // lands between \x1E and \n of the huge document (first-record scan) and of the boundary document.
  const cuts = [
    1,
    hugeStart + 1,
    hugeEnd - MiB + 2,
    boundaryDocEnd - MiB + 2,
    hugeEnd,
    hugeEnd + 1,
    hugeEnd + 2,
    MiB,
    2 * MiB,
    boundaryDocEnd + 1,
  ];
  for (const cut of cuts) {
    const got = (await readSplits(t, fmt, manualSplits(file, [cut]), `cut ${cut}`)).map(docView);
    sameRecords(t, got, expected, `two splits cut at ${cut}`);
  }
  const one = (await readSplits(t, fmt, manualSplits(file, []), 'one split')).map(docView);
  sameRecords(t, one, expected, 'one split');
  const many = (await readSplits(t, fmt, await fmt.getSplits([file], { splitSize: 300_001 }), 'many')).map(docView);
  sameRecords(t, many, expected, 'split size 300001');
});

// ---------------------------------------------------------------------------------------------
// Combined splits (Hadoop's CombineFileInputFormat): small files share a split; records keep their file.

test('combining: small files share splits of up to the split size, big ones are split, every record once in file order', async (t) => {
  const dir = freshDir();
  const contents: string[] = [];
  for (let i = 0; i < 40; i++) {
    // Files 0..39: mostly 10..40 bytes; files 7 and 23 are big (split by size).
    const c = i === 7 || i === 23 ? `${'big line\n'.repeat(40)}` : `${i} ${'w'.repeat(i % 25)}\n${i}b\n`;
    contents.push(c);
    fs.writeFileSync(path.join(dir, `f${String(i).padStart(2, '0')}.txt`), c);
  }
  const fmt = textInput();
  const splits = await fmt.getSplits([dir], { splitSize: 100 });
  const got: [number, number, string][] = [];
  for (const s of splits) {
    const chunks = [...splitChunks(s)];
    if (s.combined) {
      t.true(chunks.length >= 2);
      t.true(s.length <= 100, `combined split of ${s.length} bytes`);
      t.is(s.length, chunks.reduce((n, c) => n + c.length, 0));
      for (const c of chunks) t.true(c.length < 100 && c.start === 0 && c.length === c.fileLength, 'only whole small files are combined');
    }
    let fileOf = 0;
    await fmt.createRecordReader(s).read((k, v) => {
      // Which chunk a record comes from: its line names the file (files 7 and 23 are the big ones).
      const n = /^(\d+)/.exec(v)?.[1];
      fileOf = n !== undefined ? Number(n) : fileOf;
      got.push([v.startsWith('big') ? (chunks[0]!.fileIndex) : fileOf, k, v]);
    });
  }
  const expected: [number, number, string][] = [];
  for (const [i, c] of contents.entries()) for (const [k, v] of textOracle(c)) expected.push([i, k, v]);
  t.deepEqual(got, expected);
  t.true(splits.length < 20, `${splits.length} splits for 40 files`);
  for (let i = 1; i < splits.length; i++) t.true(splits[i]!.fileIndex > splits[i - 1]!.fileIndex || splits[i]!.start > splits[i - 1]!.start, 'splits in input order');
});

test('combining off (format option or split option): one split per small file, as before', async (t) => {
  const dir = freshDir();
  for (let i = 0; i < 5; i++) fs.writeFileSync(path.join(dir, `f${i}.txt`), `line ${i}\n`);
  t.is((await textInput().getSplits([dir], {})).length, 1);
  for (const fmt of [textInput({ combine: false }), tsvInput({ combine: false }), ha3Input({ combine: false })] as InputFormat<number, unknown>[]) {
    const splits = await fmt.getSplits([dir], {});
    t.deepEqual(
      splits.map((s) => [path.basename(s.path), s.fileIndex, s.combined]),
      [0, 1, 2, 3, 4].map((i) => [`f${i}.txt`, i, undefined]),
    );
  }
  t.is((await tsvInput().getSplits([dir], { combine: false })).length, 5);
});

test('combined ha3 split: each document keeps its own path, fileIndex and offset; bytesRead runs across the files', async (t) => {
  const dir = freshDir();
  const files: { path: string; content: string }[] = [];
  for (let i = 0; i < 12; i++) {
    const content = `CMD=add\x1F\nid=${i}\x1F\n\x1E\nCMD=add\x1F\nid=${i}-b\x1F\ntitle=${'t'.repeat(i)}\x1F\n\x1E\n`;
    const p = path.join(dir, `d${String(i).padStart(2, '0')}.ha3`);
    fs.writeFileSync(p, content);
    files.push({ path: p, content });
  }
  const fmt = ha3Input();
  const [split, ...rest] = await fmt.getSplits([dir], {});
  t.is(rest.length, 0);
  t.is(split!.combined?.names.length, 12);
  const reader = fmt.createRecordReader(split!);
  const got: { path: string; fileIndex: number; offset: number; key: number; fields: [string, string][] }[] = [];
  const before = new Map<string, number>();
  let done = 0;
  for (const f of files) {
    before.set(f.path, done);
    done += Buffer.byteLength(f.content);
  }
  await reader.read((key, d) => {
    // Progress is a fraction of the whole split: at a document of file k, every earlier file is counted.
    const floor = before.get(d.path)!;
    if (reader.bytesRead < floor || reader.bytesRead > split!.length) t.fail(`bytesRead ${reader.bytesRead} at ${d.path} (earlier files: ${floor})`);
    got.push({ path: d.path, fileIndex: d.fileIndex, offset: d.offset, key, fields: d.fields.map(([a, b]) => [a, b]) });
  });
  t.is(reader.bytesRead, split!.length);
  const expected = files.flatMap((f, i) => ha3Oracle(f.content).map((d) => ({ path: f.path, fileIndex: i, offset: d.offset, key: d.offset, fields: d.fields })));
  t.deepEqual(got, expected);
  // The split survives the JSON TaskSpec unchanged.
  const wire = JSON.parse(JSON.stringify(split)) as InputSplit;
  const again: string[] = [];
  await fmt.createRecordReader(wire).read((_k, d) => again.push(`${d.fileIndex}:${d.offset}`));
  t.deepEqual(again, expected.map((d) => `${d.fileIndex}:${d.offset}`));
});

test('combineSmallFiles: same-host files together, each chunk once, at most the split size and file cap, hosts holding most bytes', (t) => {
  const hosts = ['h1', 'h2', 'h3', 'h4'];
  const chunks: FileChunk[] = [];
  for (let i = 0; i < 300; i++) {
    // Replication 2 on 4 hosts; every 10th file has no known host.
    const on = i % 10 === 9 ? [] : [hosts[i % 4]!, hosts[(i + 1 + (i % 3 === 0 ? 1 : 0)) % 4]!];
    chunks.push({ path: `/d/f${i}`, start: 0, length: 1 + (i % 17), fileLength: 1 + (i % 17), fileIndex: i, hosts: on });
  }
  const splits = combineSmallFiles(chunks, 60, 7);
  const seen = new Set<number>();
  for (const s of splits) {
    const cs = [...splitChunks(s)];
    t.true(s.length <= 60 && cs.length <= 7, `${s.length} bytes, ${cs.length} files`);
    t.is(s.length, cs.reduce((n, c) => n + c.length, 0));
    for (let k = 1; k < cs.length; k++) t.true(cs[k]!.fileIndex > cs[k - 1]!.fileIndex, 'chunks in input order');
    for (const c of cs) {
      t.false(seen.has(c.fileIndex), `file ${c.fileIndex} twice`);
      seen.add(c.fileIndex);
      const orig = chunks[c.fileIndex]!;
      t.deepEqual([c.path, c.length, c.fileLength], [orig.path, orig.length, orig.fileLength]);
    }
    // Hosts: those holding at least half of the split's bytes (else the one holding most).
    const bytes = new Map<string, number>();
    for (const c of cs) for (const h of chunks[c.fileIndex]!.hosts) bytes.set(h, (bytes.get(h) ?? 0) + c.length);
    const max = Math.max(0, ...bytes.values());
    for (const h of s.hosts) t.true(2 * bytes.get(h)! >= s.length || bytes.get(h) === max, `host ${h} holds ${bytes.get(h)} of ${s.length}`);
    if (bytes.size > 0) t.true(s.hosts.length > 0);
  }
  t.is(seen.size, 300);
  // Most splits are node-local: all their chunks on one host.
  const local = splits.filter((s) => s.hosts.some((h) => [...splitChunks(s)].every((c) => chunks[c.fileIndex]!.hosts.includes(h))));
  t.true(local.length >= splits.length * 0.7, `${local.length} of ${splits.length} splits node-local`);
  for (let i = 1; i < splits.length; i++) t.true(splits[i]!.fileIndex > splits[i - 1]!.fileIndex, 'splits in order of their first file');
});
