import test, { type ExecutionContext } from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileSystemFor } from '../framework/fs/resolve.ts';
import { parquetInput } from '../framework/input/parquet.ts';
import { InputError, type InputSplit } from '../framework/input/types.ts';
import { parquetOutput, type ParquetOutputOptions } from '../framework/output/parquet.ts';
import type { OutputTask } from '../framework/output/types.ts';

function tmpDir(t: ExecutionContext): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bsctl-parquet-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function taskFor(file: string): OutputTask {
  return { dir: path.dirname(file), taskIndex: 0, numTasks: 1, conf: {}, jobId: 'job_test' };
}

/** Write records with parquetOutput, flushing every `flushEvery` records like a task does. */
async function writeFile<K, V>(file: string, options: ParquetOutputOptions<K, V>, records: Iterable<[K, V]>, flushEvery = 100): Promise<number> {
  const writer = parquetOutput(options).createRecordWriter(file, taskFor(file));
  let n = 0;
  for (const [k, v] of records) {
    writer.write(k, v);
    if (++n % flushEvery === 0) await writer.flush();
  }
  await writer.close();
  return writer.bytesWritten;
}

interface ReadBack {
  splits: InputSplit[];
  /** Rows by `${fileIndex}:${row number}`; a row read twice fails the read. */
  rows: Map<string, Record<string, unknown>>;
}

/** getSplits + one RecordReader per split (in reverse order, to show splits are independent). */
async function readAll(paths: string[]): Promise<ReadBack> {
  const input = parquetInput();
  const splits = await input.getSplits(paths, {});
  const rows = new Map<string, Record<string, unknown>>();
  for (const split of [...splits].reverse()) {
    const reader = input.createRecordReader(split);
    let previous = -1;
    await reader.read((key, value) => {
      const id = `${split.fileIndex}:${key}`;
      if (rows.has(id)) throw new Error(`row ${id} read twice`);
      if (key <= previous) throw new Error(`row ${key} after ${previous}`);
      previous = key;
      rows.set(id, value);
    });
    if (reader.bytesRead !== split.length) throw new Error(`bytesRead ${reader.bytesRead} != split length ${split.length}`);
  }
  return { splits, rows };
}

const MIXED: ParquetOutputOptions<number, string>['schema'] = {
  id: 'INT64',
  u: 'UINT_64',
  name: 'UTF8',
  small: 'INT32',
  ok: 'BOOLEAN',
  score: { type: 'DOUBLE', optional: true },
  at: { type: 'TIMESTAMP_MILLIS', optional: true },
  atMicros: 'TIMESTAMP_MICROS',
  tags: { type: 'UTF8', repeated: true },
  raw: { type: 'BYTE_ARRAY', optional: true },
};

/** The row written for record k (value = a word). */
function mixedRow(k: number, word: string): Record<string, unknown> {
  return {
    id: (BigInt(k) << 48n) - 7n,
    u: 2n ** 64n - 1n - BigInt(k),
    name: `${word}-${k}`,
    small: 1 - k,
    ok: k % 2 === 0,
    score: k % 5 === 0 ? undefined : k / 7,
    at: k % 3 === 0 ? null : new Date(Date.UTC(1960, 0, 1) + k * 3_600_000),
    atMicros: -1_000_001n * BigInt(k),
    tags: k % 4 === 0 ? [] : [word, `${k}`],
    raw: k % 6 === 0 ? null : Uint8Array.of(k & 0xff, 0, 0xff),
  };
}

/** What reading record k back gives. */
function mixedExpected(k: number, word: string): Record<string, unknown> {
  const w = mixedRow(k, word);
  return {
    ...w,
    score: w.score ?? null,
    raw: w.raw ? Buffer.from(w.raw as Uint8Array) : null,
  };
}

const WORDS = ['alpha', '漢字', 'かな', '한국어', 'Ωμέγα', '😀🇯🇵', ''];

test('round trip over several row groups: one split per row group, every row read exactly once', async (t) => {
  const dir = tmpDir(t);
  const file = path.join(dir, 'part-m-00000.parquet');
  const N = 1000;
  const bytes = await writeFile(
    file,
    { schema: MIXED, toRow: mixedRow, rowGroupSize: 64 },
    Array.from({ length: N }, (_, k): [number, string] => [k, WORDS[k % WORDS.length]!]),
    37,
  );
  const size = fs.statSync(file).size;
  t.is(bytes, size);

  const { splits, rows } = await readAll([file]);
  t.is(splits.length, Math.ceil(N / 64));
  let end = 4; // after the "PAR1" magic
  for (const [i, s] of splits.entries()) {
    t.is(s.part, i);
    t.is(s.path, file);
    t.is(s.fileIndex, 0);
    t.is(s.fileLength, size);
    t.true(s.hosts.length > 0);
    t.true(s.start >= end, `row group ${i} starts after the previous one`);
    t.true(s.length > 0);
    end = s.start + s.length;
  }
  t.true(end < size);

  t.is(rows.size, N);
  for (let k = 0; k < N; k++) t.deepEqual(rows.get(`0:${k}`), mixedExpected(k, WORDS[k % WORDS.length]!), `row ${k}`);
});

test('INT64 and UINT_64 round-trip exactly over their whole range, as bigint', async (t) => {
  const dir = tmpDir(t);
  const file = path.join(dir, 'ints.parquet');
  const int64 = [0n, 1n, -1n, 2n ** 53n + 1n, -(2n ** 53n) - 1n, 9223372036854775806n, 9223372036854775807n, -9223372036854775808n, 123];
  const uint64 = [0n, 1n, 2n ** 53n + 1n, 2n ** 63n - 1n, 2n ** 63n, 2n ** 63n + 1n, 18446744073709551614n, 18446744073709551615n, 456];
  await writeFile(
    file,
    { schema: { i: 'INT64', u: 'UINT_64' }, toRow: (k: number) => ({ i: int64[k], u: uint64[k] }), rowGroupSize: 4 },
    int64.map((_, k): [number, null] => [k, null]),
  );
  const { splits, rows } = await readAll([file]);
  t.is(splits.length, 3);
  for (let k = 0; k < int64.length; k++) {
    const row = rows.get(`0:${k}`)!;
    t.is(typeof row.i, 'bigint');
    t.is(typeof row.u, 'bigint');
    t.is(row.i, BigInt(int64[k]!));
    t.is(row.u, BigInt(uint64[k]!));
  }
});

test('timestamps: pre-1970 and sub-millisecond values are exact', async (t) => {
  const dir = tmpDir(t);
  const file = path.join(dir, 'ts.parquet');
  const millis = [new Date(-1), new Date(0), new Date('2024-02-29T23:59:59.999Z'), -62135596800000n, 1700000000123];
  const micros = [new Date(-1), -1n, 1700000000123456n, -62135596800000001n, 9223372036854775807n];
  await writeFile(
    file,
    { schema: { ms: 'TIMESTAMP_MILLIS', us: 'TIMESTAMP_MICROS' }, toRow: (k: number) => ({ ms: millis[k], us: micros[k] }) },
    millis.map((_, k): [number, null] => [k, null]),
  );
  const { rows } = await readAll([file]);
  const ms = [-1, 0, Date.parse('2024-02-29T23:59:59.999Z'), -62135596800000, 1700000000123];
  const us = [-1000n, -1n, 1700000000123456n, -62135596800000001n, 9223372036854775807n];
  for (let k = 0; k < millis.length; k++) {
    const row = rows.get(`0:${k}`)!;
    t.true(row.ms instanceof Date);
    t.is((row.ms as Date).getTime(), ms[k]!);
    t.is(row.us, us[k]);
  }
});

test('UTF8 strings: CJK, astral characters, NUL and long values', async (t) => {
  const prefix = (s: string): string => Array.from(s).slice(0, 3).join(''); // whole code points
  const dir = tmpDir(t);
  const file = path.join(dir, 'text.parquet');
  const strings = ['', 'ascii', '漢字かなカナ한국어', '中文，全角！標點。', '😀🇯🇵𠮷', 'a\u0000b\tc\nd', '漢'.repeat(100_000), 'é'.normalize('NFD')];
  await writeFile(
    file,
    { schema: { s: 'UTF8', list: { type: 'UTF8', repeated: true } }, toRow: (s: string) => ({ s, list: [s, prefix(s)] }), rowGroupSize: 3 },
    strings.map((s): [string, null] => [s, null]),
  );
  const { rows } = await readAll([file]);
  strings.forEach((s, k) => t.deepEqual(rows.get(`0:${k}`), { s, list: [s, prefix(s)] }));
});

test('a split reads only the footer and its own row group, by byte range through the FileSystem', async (t) => {
  const dir = tmpDir(t);
  const file = path.join(dir, 'ranges.parquet');
  await writeFile(
    file,
    { schema: MIXED, toRow: mixedRow, rowGroupSize: 50 },
    Array.from({ length: 300 }, (_, k): [number, string] => [k, 'w']),
  );
  const buf = fs.readFileSync(file);
  const footerStart = buf.length - 8 - buf.readUInt32LE(buf.length - 8);

  const local = fileSystemFor(file);
  const openRead = local.openRead;
  const ranges: [number, number][] = [];
  local.openRead = function (p, start, end) {
    if (p === file) ranges.push([start ?? 0, end ?? buf.length]);
    return openRead.call(this, p, start, end);
  };
  t.teardown(() => {
    local.openRead = openRead;
  });

  const input = parquetInput();
  const splits = await input.getSplits([file], {});
  t.is(splits.length, 6);
  for (const split of splits) {
    ranges.length = 0;
    let rows = 0;
    await input.createRecordReader(split).read(() => rows++);
    t.is(rows, 50);
    const inSplit = ranges.filter(([s, e]) => s >= split.start && e <= split.start + split.length);
    t.true(inSplit.length > 0);
    for (const [s, e] of ranges) {
      const ok = e <= 4 || (s >= split.start && e <= split.start + split.length) || s >= footerStart;
      t.true(ok, `range [${s}, ${e}) of split ${split.part} (${split.start}+${split.length}, footer at ${footerStart})`);
    }
  }
});

test('several files and a directory: fileIndex in path order, row numbers per file, _SUCCESS ignored', async (t) => {
  const dir = tmpDir(t);
  const out = path.join(dir, 'out');
  const options = { schema: { n: 'INT64' }, toRow: (k: number) => ({ n: BigInt(k) }), rowGroupSize: 10 } as const;
  await writeFile(path.join(out, 'part-r-00000.parquet'), options, Array.from({ length: 25 }, (_, k): [number, null] => [k, null]));
  await writeFile(path.join(out, 'part-r-00001.parquet'), options, Array.from({ length: 5 }, (_, k): [number, null] => [100 + k, null]));
  fs.writeFileSync(path.join(out, '_SUCCESS'), '');
  const { splits, rows } = await readAll([out]);
  t.deepEqual(
    splits.map((s) => [path.basename(s.path), s.fileIndex, s.part]),
    [
      ['part-r-00000.parquet', 0, 0],
      ['part-r-00000.parquet', 0, 1],
      ['part-r-00000.parquet', 0, 2],
      ['part-r-00001.parquet', 1, 0],
    ],
  );
  t.is(rows.size, 30);
  for (let k = 0; k < 25; k++) t.deepEqual(rows.get(`0:${k}`), { n: BigInt(k) });
  for (let k = 0; k < 5; k++) t.deepEqual(rows.get(`1:${k}`), { n: BigInt(100 + k) });
});

/**
 * 40 rows written by another implementation (hyparquet-writer 0.17): SNAPPY, dictionary-encoded
 * pages, three row groups of 15, 15 and 10 rows. w = WORDS5[i % 5] (UTF8), u = 2^64-1 - i % 3
 * (UINT_64), n = 2^63-1 - i % 4 or null when i % 7 == 0 (optional INT64).
 */
const FOREIGN = `
UEFSMRUEFVIVVEwVChUAAAApSAUAAABhbHBoYQYAAADmvKLlrZcBCkTOqW1lZ2EEAAAA8J+YgAAAAAAVBhUQFRRcFR4VABUeFRAV
ABUAAAAIHAMFiEZEI6IRFQQVMBUkTBUGFQAAABgA/w0BAP4NCBz9/////////xUGFQwVEFwVHhUAFR4VEBUAFQAAAAYUAgUkSZIk
FQQVQBU0TBUIFQAAACAE/v8FAQR//QUHCP9//A0IHP////////9/FQYVEhUWXBUeFQYVHhUQFQYVAAAABX4/BhQCBeQ0OQAVBBVS
FVRMFQoVAAAAKUgFAAAAYWxwaGEGAAAA5ryi5a2XAQpEzqltZWdhBAAAAPCfmIAAAAAAFQYVEBUUXBUeFQAVHhUQFQAVAAAACBwD
BYhGRCOiERUEFTAVJEwVBhUAAAAYAP8NAQD+DQgc/f////////8VBhUMFRBcFR4VABUeFRAVABUAAAAGFAIFJEmSJBUEFUAVNkwV
CBUAAAAgBPz/BQEAfwUGDP//f/4JCSB//f///////38VBhUSFRZcFR4VBBUeFRAVBhUAAAAFv18GFAIF5DQ5AhUGFaQBFVpcFRQV
ABUUFQAVABUAAABSSAUAAABhbHBoYQYAAADmvKLlrZcBCkTOqW1lZ2EEAAAA8J+YgAAAAACiKQAVBBUwFSRMFQYVAAAAGAD/DQEA
/g0IHP3/////////FQYVDBUQXBUUFQAVFBUQFQAVAAAABhQCBSRJAgAVBBVAFTZMFQgVAAAAIAT9/wUBBH/8BQcE/38JByT/f/7/
//////9/FQYVEhUWXBUUFQIVFBUQFQYVAAAABd8DBhQCBeQ4AQAVBBlMSARyb290FQYAFQwlABgBdyUAABUEJQAYAXUlHAAVBCUC
GAFuABZQGTwZPCYIHBUMGSUAEBkYAXcVAhYeFqYBFqwBJnYmCAAAJrQBHBUEGSUAEBkYAXUVAhYeFoABFngm8gEmtAEAACasAhwV
BBklABAZGAFuFQIWHhaWARaOASb6AiasAgAAFrwDFh42sgMAGTwmugMcFQwZJQAQGRgBdxUCFh4WpgEWrAEmqAQmugMAACbmBBwV
BBklABAZGAF1FQIWHhaAARZ4JqQFJuYEAAAm3gUcFQQZJQAQGRgBbhUCFh4WlgEWkAEmrgYm3gUAABa8AxYeNrQDABk8Ju4GHBUM
GRUAGRgBdxUCFhQW0AEWhgEm7gYAACb0BxwVBBklABAZGAF1FQIWFBaAARZ4JrIIJvQHAAAm7AgcFQQZJQAQGRgBbhUCFhQWlgEW
kAEmvAkm7AgAABbmAxYUNo4DACgJaHlwYXJxdWV0GTwcAAAcAAAcAAAAewEAAFBBUjE=`;

test('reads a file written by another implementation (dictionary pages, UINT_64, SNAPPY)', async (t) => {
  const dir = tmpDir(t);
  const file = path.join(dir, 'foreign.parquet');
  fs.writeFileSync(file, Buffer.from(FOREIGN.replace(/\s/g, ''), 'base64'));
  const { splits, rows } = await readAll([file]);
  t.deepEqual(
    splits.map((s) => s.part),
    [0, 1, 2],
  );
  const words5 = ['alpha', '漢字', 'Ωmega', '😀', ''];
  t.is(rows.size, 40);
  for (let i = 0; i < 40; i++) {
    t.deepEqual(rows.get(`0:${i}`), { w: words5[i % 5], u: 2n ** 64n - 1n - BigInt(i % 3), n: i % 7 === 0 ? null : 2n ** 63n - 1n - BigInt(i % 4) });
  }
});

test('a missing file gives an error naming the path', async (t) => {
  const dir = tmpDir(t);
  const missing = path.join(dir, 'no-such.parquet');
  const e1 = await t.throwsAsync(parquetInput().getSplits([missing], {}));
  t.true(e1.message.includes(missing), e1.message);

  // A file deleted after its splits were made.
  const file = path.join(dir, 'gone.parquet');
  await writeFile(file, { schema: { n: 'INT32' }, toRow: (k: number) => ({ n: k }) }, [[1, null]]);
  const [split] = await parquetInput().getSplits([file], {});
  fs.rmSync(file);
  const e2 = await t.throwsAsync(parquetInput().createRecordReader(split!).read(() => undefined), { instanceOf: InputError });
  t.true(e2.message.includes(file), e2.message);
});

test('a corrupt or non-Parquet file gives an error naming the path', async (t) => {
  const dir = tmpDir(t);
  const good = path.join(dir, 'good.parquet');
  await writeFile(
    good,
    { schema: MIXED, toRow: mixedRow, rowGroupSize: 20 },
    Array.from({ length: 60 }, (_, k): [number, string] => [k, 'x']),
  );
  const bytes = fs.readFileSync(good);
  const badFooter = Buffer.from(bytes);
  for (let i = bytes.length - 8 - 200; i < bytes.length - 8; i += 3) badFooter[i] = 0xff;
  const cases: Record<string, Buffer> = {
    'text.parquet': Buffer.from('id\tname\n1\tnot parquet at all\n'),
    'empty.parquet': Buffer.alloc(0),
    'tiny.parquet': Buffer.from('PAR1'),
    'truncated.parquet': bytes.subarray(0, bytes.length - 100),
    'bad-footer.parquet': badFooter,
    'garbage.parquet': Buffer.concat([Buffer.from('PAR1'), Buffer.alloc(500, 0xab), Buffer.from([200, 0, 0, 0]), Buffer.from('PAR1')]),
  };
  for (const [name, content] of Object.entries(cases)) {
    const file = path.join(dir, name);
    fs.writeFileSync(file, content);
    const e = await t.throwsAsync(parquetInput().getSplits([file], {}), { instanceOf: InputError }, name);
    t.true(e.message.includes(file), e.message);
    t.regex(e.message, /Parquet/);
  }

  // A valid footer over corrupt column data fails when the split is read.
  const badData = path.join(dir, 'bad-data.parquet');
  const [first] = await parquetInput().getSplits([good], {});
  const corrupt = Buffer.from(bytes);
  for (let i = first!.start + 10; i < first!.start + first!.length; i += 2) corrupt[i]! ^= 0x5a;
  fs.writeFileSync(badData, corrupt);
  const [split] = await parquetInput().getSplits([badData], {});
  const e = await t.throwsAsync(parquetInput().createRecordReader(split!).read(() => undefined), { instanceOf: InputError });
  t.true(e.message.includes(badData), e.message);
});

test('write checks each row at once and rejects values it cannot store exactly', (t) => {
  const dir = tmpDir(t);
  const file = path.join(dir, 'bad-values.parquet');
  const writer = parquetOutput<Record<string, unknown>, null>({
    schema: {
      i: 'INT64',
      u: 'UINT_64',
      s: { type: 'UTF8', optional: true },
      l: { type: 'INT32', repeated: true },
      ts: { type: 'TIMESTAMP_MILLIS', optional: true },
    },
    toRow: (row) => row,
  }).createRecordWriter(file, taskFor(file));
  t.teardown(() => writer.close().catch(() => undefined));
  const bad: [Record<string, unknown>, RegExp][] = [
    [{ i: 2n ** 63n, u: 0n }, /column "i".*out of range/],
    [{ i: 2 ** 53, u: 0n }, /column "i".*safe-integer/],
    [{ i: '1', u: 0n }, /column "i".*got string/],
    [{ i: 0n, u: -1n }, /column "u".*out of range/],
    [{ i: 0n, u: 2n ** 64n }, /column "u".*out of range/],
    [{ u: 0n }, /column "i" is required/],
    [{ i: 0n, u: 0n, s: 7 }, /column "s".*UTF8 needs a string/],
    [{ i: 0n, u: 0n, l: 3 }, /column "l".*array/],
    [{ i: 0n, u: 0n, l: [1, null] }, /column "l".*element 1/],
    [{ i: 0n, u: 0n, l: [2 ** 31] }, /column "l".*out of range for INT32/],
    [{ i: 0n, u: 0n, ts: 2n ** 60n }, /column "ts".*out of range/],
    [{ i: 0n, u: 0n, ts: new Date(NaN) }, /column "ts".*invalid Date/],
    [{ i: 0n, u: 0n, extra: 1 }, /"extra" is not a column/],
  ];
  for (const [row, message] of bad) {
    const e = t.throws(() => writer.write(row, null));
    t.regex(e.message, message);
    t.true(e.message.includes(file), e.message);
  }
  t.notThrows(() => writer.write({ i: -5, u: 5, s: null, l: [1, 2] }, null));
});

test('parquetOutput rejects an invalid schema when the job is defined', (t) => {
  const toRow = (): Record<string, unknown> => ({});
  t.throws(() => parquetOutput({ schema: {}, toRow }), { message: /no column/ });
  t.throws(() => parquetOutput({ schema: { a: { type: 'UTF8', optional: true, repeated: true } }, toRow }), { message: /both optional and repeated/ });
  t.throws(() => parquetOutput({ schema: { a: 'INT128' as 'INT64' }, toRow }), { message: /unsupported type INT128/ });
  t.throws(() => parquetOutput({ schema: { 'a,b': 'INT64' }, toRow }), { message: /invalid column name/ });
  t.throws(() => parquetOutput({ schema: { a: 'INT64' }, toRow, rowGroupSize: 0 }), { message: /rowGroupSize/ });
  t.throws(() => parquetOutput({ schema: { a: 'INT64' }, toRow, compression: 'LZ4' as 'GZIP' }), { message: /unsupported compression LZ4/ });
});

test('an output with no rows is a valid Parquet file with no splits', async (t) => {
  const dir = tmpDir(t);
  const file = path.join(dir, 'empty.parquet');
  await writeFile(file, { schema: { n: 'INT64' }, toRow: () => ({ n: 1n }) }, []);
  t.true(fs.statSync(file).size > 8);
  t.deepEqual(await parquetInput().getSplits([file], {}), []);
});

test('every compression codec and both data page versions round-trip', async (t) => {
  const dir = tmpDir(t);
  for (const compression of ['UNCOMPRESSED', 'SNAPPY', 'GZIP', 'BROTLI'] as const) {
    for (const dataPageV2 of [false, true]) {
      const file = path.join(dir, `${compression}-${dataPageV2}.parquet`);
      await writeFile(
        file,
        { schema: MIXED, toRow: mixedRow, rowGroupSize: 30, compression, dataPageV2 },
        Array.from({ length: 100 }, (_, k): [number, string] => [k, WORDS[k % WORDS.length]!]),
      );
      const { splits, rows } = await readAll([file]);
      t.is(splits.length, 4);
      t.is(rows.size, 100);
      for (let k = 0; k < 100; k++) t.deepEqual(rows.get(`0:${k}`), mixedExpected(k, WORDS[k % WORDS.length]!), `${compression} v2=${dataPageV2} row ${k}`);
    }
  }
});

test('the output file already exists: close fails naming the path', async (t) => {
  const dir = tmpDir(t);
  const file = path.join(dir, 'exists.parquet');
  fs.writeFileSync(file, 'x');
  const writer = parquetOutput({ schema: { n: 'INT64' }, toRow: (k: number) => ({ n: BigInt(k) }) }).createRecordWriter(file, taskFor(file));
  writer.write(1, null);
  const e = await t.throwsAsync(writer.close());
  t.true(e.message.includes(file), e.message);
  t.is(fs.readFileSync(file, 'utf8'), 'x');
});
