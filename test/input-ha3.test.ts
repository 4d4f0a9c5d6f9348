/**
 * ha3 document parsing (havenask.md §1): on the real Havenask example files when they are present
 * (otherwise on generated copies with the same shape), and on generated data covering every rule and
 * every problem the reader reports. Expected values are computed independently of the reader.
 */
import test from 'ava';
import type { ExecutionContext } from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ha3Input, type Ha3Document } from '../framework/input/ha3.ts';
import type { InputSplit } from '../framework/input/types.ts';
import { sharedFixtures } from './helpers/shared-fixtures.ts';

/** The real Havenask example files (../shared beside the repo); undefined when absent (and then a failure under CI=true). */
const FIXTURES = sharedFixtures('fixtures/havenask/data', ['test.data', 'rt.data', 'vector.data']);
const HAVE_FIXTURES = FIXTURES !== undefined;

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bsctl-ha3-test-'));
test.after.always(() => fs.rmSync(root, { recursive: true, force: true }));
let n = 0;
function writeFile(content: string | Buffer, name = 'docs.ha3'): string {
  const dir = path.join(root, `d${n++}`);
  fs.mkdirSync(dir);
  const p = path.join(dir, name);
  fs.writeFileSync(p, content);
  return p;
}

const doc = (fields: [string, string][]): string => `${fields.map(([k, v]) => `${k}=${v}\x1F\n`).join('')}\x1E\n`;
const bytes = (s: string): number => Buffer.byteLength(s, 'utf8');

type Rec = [number, Ha3Document];

function wholeSplit(file: string): InputSplit {
  const len = fs.statSync(file).size;
  return { path: file, start: 0, length: len, fileLength: len, hosts: [], fileIndex: 0 };
}

/** Reads the splits (a few at a time) and concatenates their records in split order. */
async function readSplits(splits: readonly InputSplit[]): Promise<Rec[]> {
  const fmt = ha3Input();
  const parts: Rec[][] = [];
  for (let i = 0; i < splits.length; i += 8) {
    const batch = splits.slice(i, i + 8).map(async (s) => {
      const out: Rec[] = [];
      await fmt.createRecordReader(s).read((k, d) => out.push([k, d]));
      return out;
    });
    parts.push(...(await Promise.all(batch)));
  }
  return parts.flat();
}

const readAll = async (file: string): Promise<Ha3Document[]> => (await readSplits([wholeSplit(file)])).map(([, d]) => d);

/** Independent parse: documents at "\x1E\n" (a final bare "\x1E" accepted), fields at "\x1F\n", name at the first "=". */
function oracle(content: string): { offset: number; fields: [string, string][] }[] {
  const parts = content.split('\x1E\n');
  const docs: { offset: number; fields: [string, string][] }[] = [];
  let off = 0;
  for (const [i, raw] of parts.entries()) {
    const body = i === parts.length - 1 && raw.endsWith('\x1E') ? raw.slice(0, -1) : raw;
    if (body.trim() !== '') {
      docs.push({
        offset: off,
        fields: body
          .split('\x1F\n')
          .filter((l) => l !== '')
          .map((l): [string, string] => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
      });
    }
    off += bytes(raw) + 2;
  }
  return docs;
}

/** Comparable view of what the reader returned: key, offset, fields, problems. */
const view = (records: Rec[]): unknown[] => records.map(([k, d]) => [k, d.offset, d.fields, d.problems]);

// ---------------------------------------------------------------------------------------------
// The Havenask example files (or generated copies of the same shape when they are absent).

const SAMPLE_TITLES = ['专业词典：用户可配置专属的专用词词典。', '蚂蚁集团', '阿里巴巴集团', 'Query过滤，匹配后无结果；'];

function generatedTestData(): string {
  return [1, 2, 3, 4]
    .map((id) =>
      doc([
        ['CMD', 'add'],
        ['id', String(id)],
        ['hits', String(id * 7)],
        ['title', SAMPLE_TITLES[id % 4]!.repeat(5)],
        ['subject', SAMPLE_TITLES[(id + 1) % 4]!.repeat(9)],
        ['createtime', String(1618043372 + id)],
      ]),
    )
    .join('');
}

function generatedRtData(): string {
  const all = [20, 21, 22]
    .map((id) =>
      doc([
        ['CMD', 'add'],
        ['id', String(id)],
        ['hits', String(id - 19)],
        ['title', SAMPLE_TITLES[id % 4]!],
        ['subject', SAMPLE_TITLES[(id + 1) % 4]!],
        ['createtime', '1628584172'],
      ]),
    )
    .join('');
  return all.slice(0, -1); // like rt.data: the last document ends with a bare \x1E, no newline
}

/** The real file, or a generated copy (written under the temp root) with the same structure. */
function sample(name: 'test.data' | 'rt.data'): { file: string; source: string } {
  if (FIXTURES) return { file: path.join(FIXTURES, name), source: 'real Havenask fixture' };
  return { file: writeFile(name === 'test.data' ? generatedTestData() : generatedRtData(), name), source: 'generated copy (fixtures absent)' };
}

const FIELD_NAMES = ['CMD', 'id', 'hits', 'title', 'subject', 'createtime'];

test(`test.data (${HAVE_FIXTURES ? 'real fixture' : 'generated copy'}): 4 documents, CMD=add first, fields in file order, no problems`, async (t) => {
  const { file, source } = sample('test.data');
  const content = fs.readFileSync(file, 'utf8');
  const docs = await readAll(file);
  t.is(docs.length, 4, source);
  t.deepEqual(
    docs.map((d) => d.fields.find(([k]) => k === 'id')?.[1]),
    ['1', '2', '3', '4'],
  );
  for (const d of docs) {
    t.deepEqual(d.problems, [], `document at byte ${d.offset}`);
    t.deepEqual(d.fields[0], ['CMD', 'add']);
    t.deepEqual(
      d.fields.map(([k]) => k),
      FIELD_NAMES,
    );
    t.is(d.path, file);
    // Values are decoded UTF-8 (CJK titles), never containing separators.
    const title = d.fields.find(([k]) => k === 'title')![1];
    t.regex(title, /[\u4e00-\u9fff]/);
    for (const [, v] of d.fields) t.false(/[\x1E\x1F\n]/.test(v), v);
  }
  t.deepEqual(
    docs.map((d) => ({ offset: d.offset, fields: d.fields })),
    oracle(content),
  );
  t.is(docs[0]!.offset, 0);
});

test(`rt.data (${HAVE_FIXTURES ? 'real fixture' : 'generated copy'}): the last document ends with a bare \\x1E and is accepted`, async (t) => {
  const { file, source } = sample('rt.data');
  const raw = fs.readFileSync(file);
  t.is(raw[raw.length - 1], 0x1e, `${source} ends with a bare \\x1E`);
  const docs = await readAll(file);
  t.deepEqual(
    docs.map((d) => d.fields.find(([k]) => k === 'id')?.[1]),
    ['20', '21', '22'],
  );
  for (const d of docs) {
    t.deepEqual(d.problems, [], `document at byte ${d.offset}`);
    t.deepEqual(
      d.fields.map(([k]) => k),
      FIELD_NAMES,
    );
  }
  const last = docs[2]!;
  t.deepEqual(last.fields[last.fields.length - 1], ['createtime', '1628584172']);
  t.deepEqual(
    docs.map((d) => ({ offset: d.offset, fields: d.fields })),
    oracle(raw.toString('utf8')),
  );
});

test(`rt.data (${HAVE_FIXTURES ? 'real fixture' : 'generated copy'}): every document exactly once for every split size 1 .. size+1`, async (t) => {
  const { file } = sample('rt.data');
  const len = fs.statSync(file).size;
  const expected = JSON.stringify(view(await readSplits([wholeSplit(file)])));
  t.is(JSON.parse(expected).length, 3);
  const bad: number[] = [];
  for (let size = 1; size <= len + 1; size++) {
    const got = view(await readSplits(await ha3Input().getSplits([file], { splitSize: size })));
    if (JSON.stringify(got) !== expected) bad.push(size);
  }
  t.deepEqual(bad, [], 'split sizes giving wrong documents');
});

test(`test.data (${HAVE_FIXTURES ? 'real fixture' : 'generated copy'}): every document exactly once — several split sizes and every two-split cut near a document terminator`, async (t) => {
  const { file } = sample('test.data');
  const content = fs.readFileSync(file);
  const len = content.length;
  const expectedDocs = view(await readSplits([wholeSplit(file)]));
  t.is(expectedDocs.length, 4);
  const expected = JSON.stringify(expectedDocs);
  const bad: string[] = [];
  for (const size of [7, 64, 127, 1000, Math.floor(len / 2), len - 1, len, len + 1]) {
    const got = view(await readSplits(await ha3Input().getSplits([file], { splitSize: size })));
    if (JSON.stringify(got) !== expected) bad.push(`size ${size}`);
  }
  // Two splits cut at every byte within 4 of each document terminator.
  const cuts = new Set<number>();
  for (let i = content.indexOf('\x1E'); i >= 0; i = content.indexOf('\x1E', i + 1)) {
    for (let d = -4; d <= 4; d++) if (i + d > 0 && i + d < len) cuts.add(i + d);
  }
  t.true(cuts.size >= 20);
  for (const cut of cuts) {
    const splits: InputSplit[] = [
      { path: file, start: 0, length: cut, fileLength: len, hosts: [], fileIndex: 0 },
      { path: file, start: cut, length: len - cut, fileLength: len, hosts: [], fileIndex: 0 },
    ];
    if (JSON.stringify(view(await readSplits(splits))) !== expected) bad.push(`cut ${cut}`);
  }
  t.deepEqual(bad, []);
});

test(`vector.data (${HAVE_FIXTURES ? 'real fixture' : 'generated copy'}): 100 documents with a vector field, same for several split sizes`, async (t) => {
  let file: string;
  if (FIXTURES) file = path.join(FIXTURES, 'vector.data');
  else {
    let s = '';
    for (let id = 1; id <= 100; id++) s += doc([['CMD', 'add'], ['id', String(id)], ['vector', Array.from({ length: 128 }, (_, i) => ((id * i) % 17) / 17 - 0.5).join(',')]]);
    file = writeFile(s, 'vector.data');
  }
  const whole = view(await readSplits([wholeSplit(file)]));
  t.is(whole.length, 100);
  const docs = await readAll(file);
  for (const d of docs) {
    t.deepEqual(d.problems, []);
    t.is(d.fields[0]![0], 'CMD');
    const vector = d.fields.find(([k]) => k === 'vector')?.[1];
    const values = (vector ?? '').split(',').map(Number);
    t.is(values.length, 128, 'a 128-dimension vector');
    t.deepEqual(values.filter((x) => !Number.isFinite(x)), []);
  }
  t.deepEqual(
    docs.map((d) => Number(d.fields.find(([k]) => k === 'id')![1])),
    Array.from({ length: 100 }, (_, i) => i + 1),
  );
  const expected = JSON.stringify(whole);
  for (const size of [1000, 1499, 4096, 65536, 100_000]) {
    t.is(JSON.stringify(view(await readSplits(await ha3Input().getSplits([file], { splitSize: size })))), expected, `split size ${size}`);
  }
});

// ---------------------------------------------------------------------------------------------
// Generated documents: the format rules.

test('fields in file order (not sorted), CMD first, key = byte offset of the document, path set', async (t) => {
  const d1 = doc([
    ['CMD', 'add'],
    ['zeta', '1'],
    ['alpha', '漢字'],
    ['mid', '😀'],
  ]);
  const d2 = doc([
    ['CMD', 'delete'],
    ['id', '7'],
  ]);
  const d3 = doc([
    ['CMD', 'update_field'],
    ['id', '8'],
    ['hits', '9'],
  ]);
  const file = writeFile(d1 + d2 + d3);
  const recs = await readSplits([wholeSplit(file)]);
  t.deepEqual(
    recs.map(([k]) => k),
    [0, bytes(d1), bytes(d1 + d2)],
  );
  t.deepEqual(
    recs.map(([k, d]) => d.offset === k && d.path === file),
    [true, true, true],
  );
  t.deepEqual(recs[0]![1].fields, [
    ['CMD', 'add'],
    ['zeta', '1'],
    ['alpha', '漢字'],
    ['mid', '😀'],
  ]);
  t.deepEqual(recs[1]![1].fields, [
    ['CMD', 'delete'],
    ['id', '7'],
  ]);
  t.deepEqual(recs[2]![1].fields, [
    ['CMD', 'update_field'],
    ['id', '8'],
    ['hits', '9'],
  ]);
  t.deepEqual(
    recs.map(([, d]) => d.problems),
    [[], [], []],
  );
});

test('values: split at the first "=", empty value, multi-value \\x1D and reserved \\x1C/\\x03 kept, embedded \\n kept', async (t) => {
  const file = writeFile(
    doc([
      ['CMD', 'add'],
      ['url', 'http://x/?a=b&c=d'],
      ['eq', '='],
      ['createtime', ''],
      ['tags', 'a\x1Db\x1D漢字\x1D😀'],
      ['reserved', 'x\x1Cy\x03z'],
      ['multiline', 'line1\nline2'],
      ['unitsep', 'a\x1Fb'],
    ]),
  );
  const [d] = await readAll(file);
  t.deepEqual(d!.problems, []);
  t.deepEqual(d!.fields, [
    ['CMD', 'add'],
    ['url', 'http://x/?a=b&c=d'],
    ['eq', '='],
    ['createtime', ''],
    ['tags', 'a\x1Db\x1D漢字\x1D😀'],
    ['reserved', 'x\x1Cy\x03z'],
    ['multiline', 'line1\nline2'],
    ['unitsep', 'a\x1Fb'],
  ]);
});

test('a final document ending with a bare \\x1E is accepted without problems', async (t) => {
  const a = doc([
    ['CMD', 'add'],
    ['id', '1'],
  ]);
  const b = doc([
    ['CMD', 'add'],
    ['id', '2'],
    ['title', '末尾'],
  ]).slice(0, -1);
  const docs = await readAll(writeFile(a + b));
  t.is(docs.length, 2);
  t.deepEqual(docs[1]!.problems, []);
  t.is(docs[1]!.offset, bytes(a));
  t.deepEqual(docs[1]!.fields, [
    ['CMD', 'add'],
    ['id', '2'],
    ['title', '末尾'],
  ]);
});

test('whitespace after the last terminator is not a document', async (t) => {
  const a = doc([
    ['CMD', 'add'],
    ['id', '1'],
  ]);
  for (const tail of ['\n', '\n\n', ' \r\n', '']) {
    const docs = await readAll(writeFile(a + tail));
    t.is(docs.length, 1, JSON.stringify(tail));
    t.deepEqual(docs[0]!.problems, []);
  }
});

test('a final document without \\x1E is a problem at its byte offset; earlier documents are fine', async (t) => {
  const a = doc([
    ['CMD', 'add'],
    ['id', '漢'],
  ]);
  const b = 'CMD=add\x1F\nid=2\x1F\n';
  const docs = await readAll(writeFile(a + b));
  t.is(docs.length, 2);
  t.deepEqual(docs[0]!.problems, []);
  const last = docs[1]!;
  t.is(last.offset, bytes(a));
  t.is(last.problems.length, 1);
  t.is(last.problems[0]!.offset, bytes(a));
  t.regex(last.problems[0]!.message, /x1E|terminator/);
  t.deepEqual(last.fields, [
    ['CMD', 'add'],
    ['id', '2'],
  ]);
});

test('a final document without \\x1E whose last line lacks \\x1F\\n: two problems at the right offsets', async (t) => {
  const a = doc([
    ['CMD', 'add'],
    ['id', '1'],
  ]);
  const b = 'CMD=add\x1F\ntitle=中文😀\x1F\nid=2';
  const docs = await readAll(writeFile(a + b));
  const last = docs[1]!;
  const offsets = last.problems.map((p) => p.offset).sort((x, y) => x - y);
  t.deepEqual(offsets, [bytes(a), bytes(a + 'CMD=add\x1F\ntitle=中文😀\x1F\n')]);
  t.true(last.problems.some((p) => /x1F|not terminated/.test(p.message)));
});

test('a line without "=" is a problem at the byte offset of that line (multi-byte text before it)', async (t) => {
  const a = doc([
    ['CMD', 'add'],
    ['title', '阿里巴巴😀'],
  ]);
  const bHead = 'CMD=add\x1F\ntitle=漢字😀é\x1F\n';
  const b = `${bHead}nö-equals-here\x1F\nid=2\x1F\n\x1E\n`;
  const c = doc([
    ['CMD', 'add'],
    ['id', '3'],
  ]);
  const docs = await readAll(writeFile(a + b + c));
  t.is(docs.length, 3);
  t.deepEqual(docs[0]!.problems, []);
  t.deepEqual(docs[2]!.problems, []);
  const bad = docs[1]!;
  t.is(bad.problems.length, 1);
  t.is(bad.problems[0]!.offset, bytes(a + bHead));
  t.regex(bad.problems[0]!.message, /=/);
  t.deepEqual(bad.fields, [
    ['CMD', 'add'],
    ['title', '漢字😀é'],
    ['id', '2'],
  ]);
});

test('a terminated document whose last field line lacks \\x1F\\n: a problem at that line, the field kept', async (t) => {
  const a = doc([
    ['CMD', 'add'],
    ['id', '1'],
  ]);
  const head = 'CMD=add\x1F\ntitle=漢\x1F\n';
  const b = `${head}id=2\x1E\n`;
  const c = doc([
    ['CMD', 'add'],
    ['id', '3'],
  ]);
  const docs = await readAll(writeFile(a + b + c));
  t.is(docs.length, 3);
  t.deepEqual(docs[0]!.problems, []);
  t.deepEqual(docs[2]!.problems, []);
  t.deepEqual(
    docs[1]!.problems.map((p) => p.offset),
    [bytes(a + head)],
  );
  t.deepEqual(docs[1]!.fields, [
    ['CMD', 'add'],
    ['title', '漢'],
    ['id', '2'],
  ]);
});

test('invalid UTF-8 in a field line is a problem at that line', async (t) => {
  const invalid: [string, Buffer][] = [
    ['0xFF byte', Buffer.from([0x61, 0xff, 0x62])],
    ['truncated 3-byte sequence', Buffer.from([0xe6, 0xbc])],
    ['overlong NUL', Buffer.from([0xc0, 0x80])],
    ['lone continuation byte', Buffer.from([0x80])],
    ['UTF-8-encoded surrogate', Buffer.from([0xed, 0xa0, 0x80])],
    ['truncated 4-byte sequence', Buffer.from([0xf0, 0x9f, 0x98])],
  ];
  for (const [name, badBytes] of invalid) {
    const a = Buffer.from(doc([['CMD', 'add'], ['id', '1']]));
    const head = Buffer.from('CMD=add\x1F\nid=漢\x1F\n');
    const b = Buffer.concat([head, Buffer.from('title='), badBytes, Buffer.from('\x1F\nhits=3\x1F\n\x1E\n')]);
    const docs = await readAll(writeFile(Buffer.concat([a, b])));
    t.is(docs.length, 2, name);
    t.deepEqual(docs[0]!.problems, [], name);
    const d = docs[1]!;
    t.is(d.problems.length, 1, name);
    t.is(d.problems[0]!.offset, a.length + head.length, name);
    t.regex(d.problems[0]!.message, /UTF-8/i, name);
    // The other fields of the document are still there; no replacement characters leak into values.
    t.deepEqual(d.fields.filter(([k]) => k !== 'title'), [
      ['CMD', 'add'],
      ['id', '漢'],
      ['hits', '3'],
    ], name);
    t.false(d.fields.some(([, v]) => v.includes('\uFFFD')), name);
  }
});

test('a duplicate field is a problem at the second occurrence; the field appears once', async (t) => {
  const head = 'CMD=add\x1F\nid=1\x1F\ntitle=漢字\x1F\n';
  const content = `${head}id=2\x1F\nhits=3\x1F\n\x1E\n`;
  const [d] = await readAll(writeFile(content));
  t.is(d!.problems.length, 1);
  t.is(d!.problems[0]!.offset, bytes(head));
  t.regex(d!.problems[0]!.message, /duplicate/);
  t.true(d!.problems[0]!.message.includes('id'));
  t.is(d!.fields.filter(([k]) => k === 'id').length, 1);
  t.deepEqual(
    d!.fields.map(([k]) => k),
    ['CMD', 'id', 'title', 'hits'],
  );
});

test('every document (good or bad) is read exactly once, with the same problems, for every split size', async (t) => {
  const parts: (string | Buffer)[] = [
    doc([
      ['CMD', 'add'],
      ['id', '1'],
      ['title', '阿里巴巴😀'],
    ]),
    'CMD=add\x1F\nno-equals\x1F\nid=2\x1F\n\x1E\n',
    doc([
      ['CMD', 'add'],
      ['url', 'a=b=c'],
      ['e', ''],
      ['m', 'x\x1Dy'],
    ]),
    Buffer.concat([Buffer.from('CMD=add\x1F\nt='), Buffer.from([0xff, 0xfe]), Buffer.from('\x1F\n\x1E\n')]),
    'CMD=add\x1F\nid=5\x1F\nid=6\x1F\n\x1E\n',
    doc([
      ['CMD', 'delete'],
      ['id', '😀'],
    ]),
    'CMD=add\x1F\nid=7\x1F\n', // final document without \x1E
  ];
  const content = Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : p)));
  const file = writeFile(content);
  const whole = await readSplits([wholeSplit(file)]);
  t.is(whole.length, 7);
  // Offsets are those of the documents in the file.
  const starts: number[] = [];
  let off = 0;
  for (const p of parts) {
    starts.push(off);
    off += typeof p === 'string' ? bytes(p) : p.length;
  }
  t.deepEqual(
    whole.map(([k]) => k),
    starts,
  );
  t.deepEqual(
    whole.map(([, d]) => d.problems.length),
    [0, 1, 0, 1, 1, 0, 1],
  );
  const expected = JSON.stringify(view(whole));
  const bad: number[] = [];
  for (let size = 1; size <= content.length + 1; size++) {
    if (JSON.stringify(view(await readSplits(await ha3Input().getSplits([file], { splitSize: size })))) !== expected) bad.push(size);
  }
  t.deepEqual(bad, []);
});

test('generated documents with multi-byte text: every split size gives the oracle documents', async (t) => {
  let content = '';
  for (let i = 0; i < 6; i++) {
    content += doc([
      ['CMD', i % 3 === 2 ? 'delete' : 'add'],
      ['id', `${i}😀`],
      ['title', '漢'.repeat(i)],
      ['tags', `a\x1D${'é'.repeat(i % 3)}`],
    ]);
  }
  content = content.slice(0, -1); // bare \x1E at the end
  const file = writeFile(content);
  const expected = oracle(content);
  t.is(expected.length, 6);
  await checkAllSizes(t, file, expected);
});

async function checkAllSizes(t: ExecutionContext, file: string, expected: { offset: number; fields: [string, string][] }[]): Promise<void> {
  const len = fs.statSync(file).size;
  const want = JSON.stringify(expected.map((d) => [d.offset, d.offset, d.fields, []]));
  const bad: number[] = [];
  for (let size = 1; size <= len + 1; size++) {
    if (JSON.stringify(view(await readSplits(await ha3Input().getSplits([file], { splitSize: size })))) !== want) bad.push(size);
  }
  t.deepEqual(bad, [], 'split sizes giving documents different from the oracle');
}
