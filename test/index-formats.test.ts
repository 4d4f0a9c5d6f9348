import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { parseSchema } from '../framework/index/schema/load.ts';
import { SchemaError, type TableSchema } from '../framework/index/schema/model.ts';
import { loadTable, storedDocument, type LoadedTable } from '../framework/serving/loader.ts';
import { queryJsonLines } from '../framework/serving/sql.ts';
import { SegmentWriter, SEGMENT_DIR } from '../framework/index/segment/writer.ts';
import { SlicePool } from '../framework/index/segment/slice-pool.ts';
import { writeHa3Docs } from '../scripts/bench/ha3-docs.ts';
import { ROOT, tempDir } from './helpers/cli.ts';
import { fullBuild } from './helpers/full-build.ts';

const IN1_SCHEMA = path.join(ROOT, 'fixtures/in1/schema.json');
const IN1_DATA = path.join(ROOT, 'fixtures/in1/data/docs.ha3');
/** Written by bsctl before summaries could be compressed (fixtures/index-v1/README.md). */
const V1_ROOT = path.join(ROOT, 'fixtures/index-v1');
const tmp = tempDir('index-formats');
test.after.always(() => fs.rmSync(tmp, { recursive: true, force: true }));

type Hape = { indexes: { index_type: string; index_config: Record<string, unknown> }[] };

/** in1's schema with these keys added to its SUMMARY index's index_config. */
function in1SchemaWith(name: string, summaryConfig: Record<string, unknown>): string {
  const json = JSON.parse(fs.readFileSync(IN1_SCHEMA, 'utf8')) as Hape;
  const summary = json.indexes.find((i) => i.index_type === 'SUMMARY')!;
  Object.assign(summary.index_config, summaryConfig);
  const file = path.join(tmp, `${name}.json`);
  fs.writeFileSync(file, JSON.stringify(json));
  return file;
}

async function build(name: string, schema: string, data: string): Promise<LoadedTable> {
  const root = path.join(tmp, name);
  await fullBuild({ table: 't', schema, data: [data], partitions: 2, indexRoot: root });
  return loadTable(root, 't');
}

function allStored(table: LoadedTable): Record<string, unknown>[] {
  return table.partitions.flatMap((p) => Array.from({ length: p.docCount }, (_, d) => storedDocument(p, d)));
}

function summaryFile(table: LoadedTable, file: string): string {
  return path.join(table.partitions[0]!.segmentDir, 'summary', file);
}

const DOCS = 3000;
let docs: string;
let plain: LoadedTable;
test.before(async () => {
  docs = path.join(tmp, 'docs.ha3');
  writeHa3Docs(docs, DOCS);
  plain = await build('plain', IN1_SCHEMA, docs);
});

for (const [codec, config] of [
  ['lz4', { compress_type: 'lz4' }],
  ['zlib', { compress: true }],
  ['zlib_default', { compress_type: 'zlib_default' }],
] as const) {
  test(`summary compressed with ${codec} (${JSON.stringify(config)}): every stored document reads back the same, in blocks, and smaller`, async (t) => {
    const table = await build(codec, in1SchemaWith(codec, config), docs);
    t.is(table.schema.summaryCompression, codec);
    t.is(table.docCount, DOCS);
    t.deepEqual(allStored(table), allStored(plain));
    const format = JSON.parse(fs.readFileSync(path.join(table.partitions[0]!.dir, 'index_format_version'), 'utf8')) as { index_format_version: string };
    t.is(format.index_format_version, 'bsctl-index-2');
    // ~1.5 MB of summaries in 2 partitions: several 64 KiB blocks each, all of them read above.
    const blocks = fs.statSync(summaryFile(table, 'block')).size / 16 - 1;
    t.true(blocks >= 5, `${blocks} blocks`);
    const stored = fs.statSync(summaryFile(table, 'data')).size;
    const raw = fs.statSync(summaryFile(plain, 'data')).size;
    t.true(stored < raw * 0.8, `${codec}: ${stored} bytes stored for ${raw} bytes of summaries`);
    const sql = 'select id, title, createtime from t_summary_ where id = 2999';
    t.deepEqual(queryJsonLines(table, sql), queryJsonLines(plain, sql));
    t.is(queryJsonLines(table, sql).length, 1);
  });
}

test('SlicePool: interleaved appends to thousands of streams read back exactly, across slices and pages', (t) => {
  const pool = new SlicePool();
  const streams = 3000;
  pool.ensureStreams(streams);
  const expected: number[][] = Array.from({ length: streams }, () => []);
  let seed = 7;
  const rnd = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  // Skewed lengths (a few streams get most bytes, as frequent terms do): slices up to the largest level, 10+ pages.
  for (let i = 0; i < 600_000; i++) {
    const s = Math.floor(rnd() ** 3 * streams);
    const v = Math.floor(rnd() * 2 ** (1 + Math.floor(rnd() * 40)));
    pool.varint(s, v);
    let x = v;
    while (x >= 0x80) {
      expected[s]!.push((x % 0x80) | 0x80);
      x = Math.floor(x / 0x80);
    }
    expected[s]!.push(x);
  }
  t.true(pool.bytes > 10 * 128 * 1024, `${pool.bytes} bytes`);
  let empty = 0;
  for (let s = 0; s < streams; s++) {
    const parts: Uint8Array[] = [];
    pool.read(s, (b) => parts.push(Uint8Array.from(b)));
    if (!pool.has(s)) empty++;
    t.true(Buffer.concat(parts).equals(Buffer.from(expected[s]!)), `stream ${s}`);
  }
  t.true(empty > 0, 'some streams got nothing');
  pool.reset();
  t.false(pool.has(0));
});

test('postings spilled in many small runs and merged are byte-identical to postings built in memory', (t) => {
  const p = plain.partitions[0]!;
  const dir = path.join(tmp, 'spilled');
  const writer = new SegmentWriter(dir, p.schema, { postingsBudget: 64 * 1024, scratch: path.join(tmp, 'spilled-scratch') });
  for (let d = 0; d < p.docCount; d++) {
    const doc = storedDocument(p, d);
    writer.add(String(doc.id), doc);
  }
  writer.close();
  t.true(fs.existsSync(path.join(tmp, 'spilled-scratch')), 'the postings spilled');
  t.deepEqual(fs.readdirSync(path.join(tmp, 'spilled-scratch')), [], 'the runs are removed');
  for (const index of ['title', 'subject', 'tag', 'default']) {
    for (const file of ['dictionary', 'posting']) {
      const built = fs.readFileSync(path.join(dir, SEGMENT_DIR, 'index', index, file));
      t.true(built.equals(fs.readFileSync(path.join(p.segmentDir, 'index', index, file))), `${index}/${file}`);
    }
  }
});

test('a bsctl-index-1 generation (written before compression) still loads: the same documents and query results as a new build', async (t) => {
  const old = loadTable(V1_ROOT, 'in1');
  t.is(JSON.parse(fs.readFileSync(path.join(old.partitions[0]!.dir, 'index_format_version'), 'utf8')).index_format_version, 'bsctl-index-1');
  const fresh = await build('in1-lz4', in1SchemaWith('in1-lz4', { compress_type: 'lz4' }), IN1_DATA);
  t.is(old.docCount, 12);
  t.deepEqual(allStored(old), allStored(fresh));
  // Every posting (docid, frequency, field map) of every term decodes the same from both formats;
  // frequencies above 1 occur, so both entry forms of version 2 are read.
  let aboveOne = 0;
  for (const [i, p] of old.partitions.entries()) {
    for (const index of old.schema.indexes.filter((x) => x.type !== 'PRIMARY_KEY64')) {
      const a = p.invertedIndex(index);
      const b = fresh.partitions[i]!.invertedIndex(index);
      t.deepEqual(b.terms(), a.terms(), index.name);
      for (const term of a.terms()) {
        t.deepEqual(b.postings(term), a.postings(term), `${index.name}: ${term}`);
        aboveOne += a.postings(term).filter((x) => x.termFrequency > 1).length;
      }
    }
  }
  t.true(aboveOne > 0);
  for (const sql of [
    "select in1_summary_.id, in1_summary_.title from in1 inner join in1_summary_ on in1.id=in1_summary_.id where MATCHINDEX('default', 'build')",
    'select id, hits, tags from in1 order by id',
    "select id from in1 where MATCHINDEX('tag', 'dict')",
    'select title, subject, createtime from in1_summary_ where id = 6',
  ]) {
    const a = queryJsonLines(old, sql);
    t.true(a.length > 0, sql);
    const b = queryJsonLines(fresh, sql.replace(/in1/g, 't'));
    t.deepEqual(a, b, sql);
  }
});

test('a damaged compressed summary is a clear error naming the file and the block', async (t) => {
  const table = await build('damaged', in1SchemaWith('damaged', { compress_type: 'zlib' }), IN1_DATA);
  const data = summaryFile(table, 'data');
  const bytes = fs.readFileSync(data);
  bytes[Math.floor(bytes.length / 2)]! ^= 0xff;
  bytes[2]! ^= 0xff;
  fs.writeFileSync(data, bytes);
  const reloaded = loadTable(path.join(tmp, 'damaged'), 't');
  const p = reloaded.partitions[0]!;
  t.throws(() => storedDocument(p, 0), { message: /summary\/block: block 0 .*does not decompress with zlib|decompresses to/ });
  // A block file that does not end where the data does.
  fs.writeFileSync(data, bytes.subarray(0, bytes.length - 1));
  t.throws(() => storedDocument(loadTable(path.join(tmp, 'damaged'), 't').partitions[0]!, 0), { message: /summary\/block: blocks end at byte \d+ of .*summary\/data, which has \d+ bytes/ });
});

function schemaOf(json: unknown): TableSchema {
  return parseSchema(json, 'schema.json');
}

test('summary compression in each schema dialect: compress alone is zlib (as Havenask), compress_type names the codec, unknown codecs are refused by key', (t) => {
  const hape = (config: Record<string, unknown>): unknown => ({
    columns: [{ name: 'id', type: 'UINT32' }, { name: 'title', type: 'TEXT' }],
    indexes: [
      { name: 'id', index_type: 'PRIMARY_KEY64', index_config: { index_fields: [{ field_name: 'id' }] } },
      { name: 'summary', index_type: 'SUMMARY', index_config: { index_fields: [{ field_name: 'title' }], ...config } },
    ],
  });
  t.is(schemaOf(hape({})).summaryCompression, undefined);
  t.is(schemaOf(hape({ compress: true })).summaryCompression, 'zlib');
  t.is(schemaOf(hape({ compress: false, compress_type: 'lz4' })).summaryCompression, undefined);
  t.is(schemaOf(hape({ compressType: 'LZ4' })).summaryCompression, 'lz4');
  t.is(schemaOf(hape({ compress: true, compress_type: 'zlib_default' })).summaryCompression, 'zlib_default');
  const bad = t.throws(() => schemaOf(hape({ compress: true, compress_type: 'snappy' })), { instanceOf: SchemaError });
  t.regex(bad.message, /indexes\[1\]\.index_config\.compress_type: unsupported summary compressor 'snappy' \(bsctl writes lz4, zlib, zlib_default\)/);
  t.throws(() => schemaOf(hape({ compress: 'yes' })), { message: /indexes\[1\]\.index_config\.compress: expected true or false/ });

  const legacy = (summarys: Record<string, unknown>): unknown => ({
    table_name: 't',
    fields: [{ field_name: 'id', field_type: 'UINT32' }, { field_name: 'title', field_type: 'TEXT' }],
    indexs: [{ index_name: 'pk', index_type: 'PRIMARYKEY64', index_fields: 'id' }],
    summarys: { summary_fields: ['title'], ...summarys },
  });
  t.is(schemaOf(legacy({ compress: true })).summaryCompression, 'zlib');
  t.is(schemaOf(legacy({ compress: true, compress_type: 'lz4', parameter: { compress_type: 'uniq|equal' } })).summaryCompression, 'lz4');
  t.is(schemaOf(legacy({})).summaryCompression, undefined);

  const tablet = (groups: Record<string, unknown>[]): unknown => ({
    table_name: 't',
    table_type: 'normal',
    fields: [{ field_name: 'id', field_type: 'UINT32' }, { field_name: 'title', field_type: 'TEXT' }, { field_name: 'body', field_type: 'TEXT' }],
    indexes: { primarykey: [{ index_name: 'pk', index_type: 'PRIMARYKEY64', index_fields: 'id' }], summary: groups },
  });
  t.is(schemaOf(tablet([{ summary_fields: ['title'], compress_type: 'lz4' }, { summary_fields: ['body'] }])).summaryCompression, 'lz4');
  t.throws(() => schemaOf(tablet([{ summary_fields: ['title'], compress_type: 'lz4' }, { summary_fields: ['body'], compress: true }])), {
    message: /indexes\.summary\[1\]\.compress: summary compressor 'zlib' differs from 'lz4' at indexes\.summary\[0\]\.compress_type/,
  });
});
