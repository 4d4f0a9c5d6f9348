/**
 * jsonLinesInput: one JSON value per line keyed by the line's byte offset, whatever the split size;
 * blank lines skipped; a line that is not JSON is one InputError naming the file and the line's offset,
 * and a job over it fails after one attempt with nothing published. Expected records come from the
 * file content split by hand, never from the reader under test.
 */
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { jsonLinesInput } from '../framework/input/jsonl.ts';
import { InputError, type InputFormat } from '../framework/input/types.ts';
import { runJob } from '../framework/runner/driver.ts';
import { leftovers, outputLines, tempDir } from './helpers/cli.ts';

const JOB = fileURLToPath(new URL('./fixtures/jobs/jsonl-sum.ts', import.meta.url));
const dir = tempDir('jsonl');
test.after.always(() => fs.rmSync(dir, { recursive: true, force: true }));

let n = 0;
function writeFile(content: string | Buffer, name = `f${n++}.jsonl`): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, content);
  return p;
}

/** Every record of every split of `file`, in order. */
async function readAll<V>(fmt: InputFormat<number, V>, paths: readonly string[], splitSize?: number): Promise<[string, number, V][]> {
  const out: [string, number, V][] = [];
  for (const split of await fmt.getSplits(paths, { splitSize })) {
    await fmt.createRecordReader(split).read((offset, value) => out.push([split.combined ? 'combined' : split.path, offset, value]));
  }
  return out;
}

/** The non-blank lines of `text` with their byte offsets, parsed (independent of the reader). */
function expected(text: string): [number, unknown][] {
  const out: [number, unknown][] = [];
  let offset = 0;
  for (const raw of text.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() !== '') out.push([offset, JSON.parse(line)]);
    offset += Buffer.byteLength(raw) + 1;
  }
  return out;
}

const TEXT = [
  '{"shop":"a","amount":1}',
  '',
  '[1,2,"три"]',
  '"漢字"',
  '  ',
  'null',
  '{"shop":"b","amount":2.5,"nested":{"x":[true,false]}}\r',
  '42',
  '{"shop":"a","amount":3}',
].join('\n');

test('records are the parsed lines keyed by their byte offsets, blank lines skipped, for every split size', async (t) => {
  const file = writeFile(TEXT);
  const want = expected(TEXT);
  t.is(want.length, 7);
  const size = Buffer.byteLength(TEXT);
  for (const splitSize of [1, 2, 3, 7, 19, size - 1, size, size * 4]) {
    const got = (await readAll(jsonLinesInput(), [file], splitSize)).map(([, o, v]) => [o, v]);
    t.deepEqual(got, want, `split size ${splitSize}`);
  }
});

test('a UTF-8 byte order mark is skipped and offsets stay file offsets; small files combined keep their own offsets', async (t) => {
  const a = writeFile(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"k":1}\n{"k":2}\n')]));
  const b = writeFile('{"k":3}\n');
  const got = await readAll(jsonLinesInput<{ k: number }>(), [a, b]);
  t.deepEqual(got.map(([, o, v]) => [o, v.k]), [[0, 1], [11, 2], [0, 3]]);
  t.true(got.every(([p]) => p === 'combined'), 'the two small files share one split');
  const apart = await readAll(jsonLinesInput<{ k: number }>({ combine: false }), [a, b]);
  t.deepEqual(apart.map(([p, o]) => [p, o]), [[a, 0], [a, 11], [b, 0]]);
});

test('a line that is not JSON: an InputError naming the file and the offset of that line', async (t) => {
  const good = '{"shop":"a","amount":1}\n\n';
  const file = writeFile(`${good}{"shop":"b", amount: 2}\n{"shop":"c","amount":3}\n`);
  const offset = Buffer.byteLength(good);
  for (const splitSize of [5, 1000]) {
    const err = await t.throwsAsync(readAll(jsonLinesInput(), [file], splitSize), { instanceOf: InputError });
    t.is(err!.path, file);
    t.is(err!.offset, offset);
    t.true(err!.message.startsWith(`${file} at byte ${offset}: not valid JSON (`), err!.message);
    t.true(err!.message.includes('amount: 2'), 'the line is quoted');
  }
  // In a combined split, the file named is the one holding the bad line, not the split's first file.
  const first = writeFile('{"shop":"a","amount":1}\n');
  const second = writeFile('{"shop":"a","amount":1}\n{oops\n');
  const err = await t.throwsAsync(readAll(jsonLinesInput(), [first, second]), { instanceOf: InputError });
  t.is(err!.path, second);
  t.is(err!.offset, 24);
});

test('a job over JSON lines through runJob (inline): sums per key for every split size', async (t) => {
  const rows = Array.from({ length: 300 }, (_, i) => JSON.stringify({ shop: `s${i % 7}`, amount: i }));
  const input = writeFile(`${rows.join('\n')}\n\n`);
  const totals = new Map<string, number>();
  for (let i = 0; i < 300; i++) totals.set(`s${i % 7}`, (totals.get(`s${i % 7}`) ?? 0) + i);
  const want = [...totals].map(([s, v]) => `${s}\t${v}`).sort().join('\n');
  for (const splitSize of [64, 1 << 20]) {
    const out = path.join(dir, `sum-${splitSize}`);
    const report = await runJob({ jobModule: JOB, input: [input], output: out, runner: 'inline', splitSize, reducers: 2 });
    t.is(outputLines(out), want, `split size ${splitSize}`);
    t.is(report.counters['Map-Reduce Framework']?.['Map input records'], 300);
  }
});

test('a job over a bad JSON line fails once (not retried) naming the file and offset; nothing published', async (t) => {
  const input = writeFile('{"shop":"a","amount":1}\n{"shop":"a","amount":\n');
  const out = path.join(dir, 'sum-bad');
  const logs: string[] = [];
  const err = await t.throwsAsync(runJob({ jobModule: JOB, input: [input], output: out, runner: 'inline', log: (l) => logs.push(l) }));
  t.true(err!.message.includes(`${input} at byte 24: not valid JSON`), err!.message);
  t.regex(err!.message, /failed once, not retried/, err!.message);
  t.is(logs.filter((l) => /^attempt \S+ failed/.test(l)).length, 1, logs.join('\n'));
  t.false(fs.existsSync(out));
  t.deepEqual(leftovers(out), []);
});
