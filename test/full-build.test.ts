import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { listGenerations, listPartitions } from '../framework/index/layout.ts';
import { hashId, rangeIndex, splitRange } from '../framework/index/shard.ts';
import { fullBuildCli } from '../framework/index/plan.ts';
import { fullBuild, segmentDigest as digest } from './helpers/full-build.ts';
import { ROOT, tempDir } from './helpers/cli.ts';

const SCHEMA = path.join(ROOT, 'fixtures/in1/schema.json');
const DATA = path.join(ROOT, 'fixtures/in1/data/docs.ha3');

const doc = (fields: Record<string, string>, cmd = 'add'): string =>
  `CMD=${cmd}\x1F\n${Object.entries(fields)
    .map(([k, v]) => `${k}=${v}\x1F\n`)
    .join('')}\x1E\n`;

function docCount(generationDir: string): number {
  return listPartitions(generationDir).reduce((n, p) => n + JSON.parse(fs.readFileSync(path.join(p.dir, 'version.0'), 'utf8')).doc_count, 0);
}

test('in1 builds 2 partitions named by hash range, each published with version.0', async (t) => {
  const root = tempDir('fb');
  const r = await fullBuild({ table: 'in1', schema: SCHEMA, data: [DATA], partitions: 2, indexRoot: root });
  const parts = listPartitions(r.generationDir);
  t.deepEqual(parts.map((p) => p.name), ['partition_0_32767', 'partition_32768_65535']);
  for (const p of parts) {
    t.is(p.version, 0);
    for (const f of ['schema.json', 'index_format_version', 'segment_0_level_0/segment_info', 'segment_0_level_0/index/id/data', 'segment_0_level_0/index/title/dictionary', 'segment_0_level_0/index/default/posting', 'segment_0_level_0/attribute/createtime/data', 'segment_0_level_0/attribute/tags/offset', 'segment_0_level_0/summary/data']) {
      t.true(fs.existsSync(path.join(p.dir, f)), `${p.name}/${f}`);
    }
  }
  // 13 primary keys; id=9 deleted → 12 documents, each in the partition its hash range says.
  t.is(docCount(r.generationDir), 12);
  t.is(r.counters['full-build']?.['Documents indexed'], 12);
  t.is(r.counters['full-build']?.['Primary keys deleted'], 1);
  const ranges = splitRange(2);
  const expected = [1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13].filter((id) => rangeIndex(hashId(String(id)), ranges) === 0).length;
  t.is(JSON.parse(fs.readFileSync(path.join(parts[0]!.dir, 'segment_0_level_0/segment_info'), 'utf8')).DocCount, expected);
  fs.rmSync(root, { recursive: true, force: true });
});

test('rebuilding the same input gives byte-identical segment files, whatever split size or runner', async (t) => {
  const root = tempDir('fb-det');
  const a = digest((await fullBuild({ table: 't', schema: SCHEMA, data: [DATA], partitions: 4, indexRoot: root })).generationDir);
  const b = digest((await fullBuild({ table: 't', schema: SCHEMA, data: [DATA], partitions: 4, indexRoot: root }, { splitSize: 97 })).generationDir);
  const c = digest(
    (await fullBuild({ table: 't', schema: SCHEMA, data: [DATA], partitions: 4, indexRoot: root }, { splitSize: 300, runner: 'local', workers: 2 })).generationDir,
  );
  t.true(Object.keys(a).length > 40);
  t.deepEqual(b, a);
  t.deepEqual(c, a);
  // Only the newest two generations are kept.
  t.deepEqual(listGenerations(root, 't'), [1, 2]);
  fs.rmSync(root, { recursive: true, force: true });
});

test('later data paths supersede earlier ones for the same primary key (delete, update_field, re-add)', async (t) => {
  const root = tempDir('fb-order');
  const d1 = path.join(root, 'a.ha3');
  const d2 = path.join(root, 'b.ha3');
  fs.writeFileSync(d1, doc({ id: '1', hits: '1', title: 'first' }) + doc({ id: '2', hits: '2', title: 'two' }) + doc({ id: '3', hits: '3', title: 'three' }));
  fs.writeFileSync(d2, doc({ id: '1' }, 'delete') + doc({ id: '2', hits: '20' }, 'update_field') + doc({ id: '3' }, 'delete') + doc({ id: '3', hits: '33', title: 'again' }));
  const r = await fullBuild({ table: 't', schema: SCHEMA, data: [d1, d2], partitions: 1, indexRoot: root }, { splitSize: 7 });
  t.is(docCount(r.generationDir), 2);
  const part = listPartitions(r.generationDir)[0]!;
  const hits = fs.readFileSync(path.join(part.dir, 'segment_0_level_0/attribute/hits/data'));
  // docids in pk byte order: "2", "3".
  t.deepEqual([hits.readUInt32LE(0), hits.readUInt32LE(4)], [20, 33]);
  // Reversing the data path order reverses precedence: id 1 comes back.
  const r2 = await fullBuild({ table: 't2', schema: SCHEMA, data: [d2, d1], partitions: 1, indexRoot: root });
  t.is(docCount(r2.generationDir), 3);
  fs.rmSync(root, { recursive: true, force: true });
});

test('bad records fail the build with file and byte offset; nothing is published; the old generation stays', async (t) => {
  const root = tempDir('fb-bad');
  const good = await fullBuild({ table: 't', schema: SCHEMA, data: [DATA], partitions: 2, indexRoot: root });
  const before = digest(good.generationDir);
  const bad = path.join(root, 'bad.ha3');
  const parts = [
    doc({ id: '1', hits: '1' }),
    doc({ hits: '5', title: 'no pk' }),
    doc({ id: '3', hits: 'abc' }),
    doc({ id: '4', hits: '4294967296' }),
    `CMD=add\x1F\nid=5\x1F\nno equals sign\x1F\n\x1E\n`,
    doc({ id: '6' }, 'upsert'),
    `CMD=add\x1F\nid=7\x1F\ntitle=\xff\xfe\x1F\n\x1E\n`,
    doc({ id: '8', hits: '1' }).replace('\x1E\n', '') + `hits=2\x1F\n\x1E\n`,
  ];
  const bytes = Buffer.concat(parts.map((p) => Buffer.from(p, 'latin1').toString('latin1') === p && !p.includes('\xff') ? Buffer.from(p, 'utf8') : Buffer.from(p, 'latin1')));
  const finalDoc = Buffer.from(`CMD=add\x1F\nid=9\x1F\n`, 'utf8');
  fs.writeFileSync(bad, Buffer.concat([bytes, finalDoc]));
  const offsets: number[] = [];
  let off = 0;
  for (const p of parts) {
    offsets.push(off);
    off += p.includes('\xff') ? Buffer.from(p, 'latin1').length : Buffer.byteLength(p);
  }
  const err = await t.throwsAsync(fullBuild({ table: 't', schema: SCHEMA, data: [bad], partitions: 2, indexRoot: root }, { splitSize: 40 }));
  const m = err!.message;
  t.regex(m, /^8 bad record\(s\), more than the 0 tolerated/);
  t.true(m.includes(`${bad} at byte ${offsets[1]}: document without primary key (id)`), m);
  t.true(m.includes(`${bad} at byte ${offsets[2]}: field hits: "abc" is not a valid UINT32`), m);
  t.true(m.includes(`${bad} at byte ${offsets[3]}: field hits: 4294967296 is out of range for UINT32`), m);
  // The bad line starts after `CMD=add\x1F\n` (9 bytes) and `id=5\x1F\n` (6 bytes).
  t.true(m.includes(`${bad} at byte ${offsets[4]! + 15}: line without "="`), m);
  t.true(m.includes(`${bad} at byte ${offsets[5]}: unknown CMD "upsert"`), m);
  t.regex(m, /invalid UTF-8/);
  t.regex(m, /duplicate field "hits"/);
  t.true(m.includes(`${bad} at byte ${off}: final document has no \\x1E document terminator`), m);
  // Nothing new published, the old generation byte-identical, no staging left behind.
  t.deepEqual(listGenerations(root, 't'), [0]);
  t.deepEqual(digest(good.generationDir), before);
  t.deepEqual(fs.readdirSync(path.join(root, 't')).filter((n) => n.startsWith('.')), []);
  // Tolerating them publishes generation 1 with the two good documents.
  const ok = await fullBuild({ table: 't', schema: SCHEMA, data: [bad], partitions: 2, indexRoot: root }, { maxBadRecords: 8 });
  t.is(docCount(ok.generationDir), 1);
  fs.rmSync(root, { recursive: true, force: true });
});

test('schema errors are reported before any work starts', async (t) => {
  const root = tempDir('fb-schema');
  const schema = path.join(root, 'schema.json');
  fs.writeFileSync(schema, JSON.stringify({ columns: [{ name: 'id', type: 'UINT32' }], indexes: [{ name: 'x', index_type: 'TEXT', index_config: { index_fields: [{ field_name: 'nope' }] } }] }));
  await t.throwsAsync(fullBuild({ table: 't', schema, data: [DATA], indexRoot: root }), { message: new RegExp(`${schema.replace(/[.]/g, '\\.')}: .*`) });
  t.false(fs.existsSync(path.join(root, 't')));
  fs.rmSync(root, { recursive: true, force: true });
});

test('an index writer that is aborted (a failed reduce attempt) leaves no scratch behind', async (t) => {
  const { indexOutput, CONF_SCHEMA } = await import('../framework/index/output.ts');
  const { loadSchema } = await import('../framework/index/schema/load.ts');
  const os = await import('node:os');
  const root = tempDir('fb-abort');
  const schema = await loadSchema(SCHEMA);
  const jobId = `job_abort_${process.pid}`;
  const w = indexOutput().createRecordWriter('', { dir: path.join(root, 'attempt'), taskIndex: 0, numTasks: 1, conf: { [CONF_SCHEMA]: JSON.stringify(schema), 'fullbuild.postings.mb': '0.001' }, jobId });
  for (let i = 0; i < 50; i++) w.write(String(i).padStart(3, '0'), { id: i, hits: 1, title: `t ${i} words`, subject: 's', createtime: 0n, tags: [] });
  const scratch = path.join(os.tmpdir(), `bsctl-${os.userInfo().uid}`, jobId);
  t.true(fs.existsSync(scratch), 'postings spilled to scratch');
  await w.abort!();
  t.false(fs.existsSync(path.join(scratch, 'index-attempt')));
  fs.rmSync(root, { recursive: true, force: true });
  fs.rmSync(scratch, { recursive: true, force: true });
});

test('the full build asks for 16 maps of at least 8 MiB (mapreduce.job.maps, split.minsize); a bad hint is an error naming the key', async (t) => {
  const root = tempDir('fb-maps');
  const r = await fullBuild({ table: 't', schema: SCHEMA, data: [DATA], partitions: 2, indexRoot: root });
  t.is(r.maps, 1, 'a 2 KB input stays one map: splits are at least 8 MiB');
  const plan = await fullBuildCli.plan({ table: 'u', schema: SCHEMA, data: [DATA], 'index-root': root }, () => {});
  await plan.finish?.();
  t.is(plan.conf?.['mapreduce.job.maps'], '16');
  t.is(plan.conf?.['mapreduce.input.fileinputformat.split.minsize'], String(8 * 1024 * 1024));
  await t.throwsAsync(fullBuild({ table: 'v', schema: SCHEMA, data: [DATA], indexRoot: root }, { conf: { ...plan.conf, 'mapreduce.job.maps': 'many' } }), {
    message: '--conf mapreduce.job.maps: must be a whole number of at least 1 (got "many")',
  });
  t.false(fs.existsSync(path.join(root, 'v', 'generation_0')));
  fs.rmSync(root, { recursive: true, force: true });
});
