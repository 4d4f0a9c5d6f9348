import test, { type ExecutionContext } from 'ava';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { detectDialect, loadSchema, parseSchema, parseSchemaText } from '../framework/index/schema/load.ts';
import { type FieldSchema, SchemaError, type SchemaLoadOptions, type TableSchema } from '../framework/index/schema/model.ts';
import { sharedFixtures } from './helpers/shared-fixtures.ts';

const FIX = fileURLToPath(new URL('./fixtures/schemas/', import.meta.url));
/** The Havenask fixtures (../shared beside the repo); undefined when absent (and then a failure under CI=true). */
const SHARED = sharedFixtures('fixtures/havenask', [
  'cases/normal/in0_schema.json',
  'cases/vector/in0_schema.json',
  'cases/llm/in0_schema.json',
  'legacy_v0.x/cases/normal/in0_schema.json',
  'testdata/example/schema.json',
  'testdata/update_to_add/in0_schema.json',
]);
const F = 'schema.json'; // file name used for in-memory schemas

// ---- expected models -------------------------------------------------------------------------

const text = (name: string, analyzer = 'simple_analyzer'): FieldSchema =>
  ({ name, type: 'TEXT', analyzer, multiValue: false, separator: '\x1D', updatable: false });
const num = (name: string, type: FieldSchema['type'], updatable = true): FieldSchema =>
  ({ name, type, multiValue: false, separator: '\x1D', updatable });

const HAPE_NORMAL: TableSchema = {
  dialect: 'hape',
  fields: [text('title'), text('subject'), num('id', 'UINT32'), num('hits', 'UINT32'), num('createtime', 'UINT64')],
  indexes: [
    { name: 'id', type: 'PRIMARY_KEY64', fields: [{ field: 'id', boost: 0 }] },
    { name: 'title', type: 'TEXT', fields: [{ field: 'title', boost: 0 }] },
    { name: 'subject', type: 'TEXT', fields: [{ field: 'subject', boost: 0 }] },
    { name: 'default', type: 'PACK', fields: [{ field: 'title', boost: 100 }, { field: 'subject', boost: 200 }] },
  ],
  attributes: ['id', 'hits', 'createtime'],
  summaryFields: ['title', 'subject', 'id', 'hits', 'createtime'],
  primaryKey: 'id',
  primaryKeyIndex: 'id',
  skippedIndexes: [],
};

const LEGACY_NORMAL: TableSchema = {
  tableName: 'in0',
  dialect: 'legacy',
  fields: [
    text('title', 'singlews_analyzer'), text('subject', 'singlews_analyzer'),
    num('id', 'UINT32'), num('hits', 'UINT32'), num('createtime', 'UINT64'),
  ],
  indexes: [
    { name: 'id', type: 'PRIMARY_KEY64', fields: [{ field: 'id', boost: 0 }] },
    { name: 'title', type: 'TEXT', fields: [{ field: 'title', boost: 0 }] },
    { name: 'default', type: 'PACK', fields: [{ field: 'title', boost: 1 }, { field: 'subject', boost: 1 }] },
  ],
  attributes: ['id', 'hits', 'createtime'],
  summaryFields: ['title', 'subject', 'hits', 'createtime'],
  // `summarys.compress: true`, without a compress_type: zlib, as Havenask.
  summaryCompression: 'zlib',
  primaryKey: 'id',
  primaryKeyIndex: 'id',
  skippedIndexes: [],
};

// ---- helpers ---------------------------------------------------------------------------------

interface HapeIndex { name: string; index_type: string; index_config: { index_fields: { field_name: string; boost?: number }[] } }
interface HapeDoc { columns: Record<string, unknown>[]; indexes: HapeIndex[] }
interface LegacyDoc { fields: Record<string, unknown>[]; indexs: Record<string, unknown>[]; attributes: unknown[]; summarys: { summary_fields: string[] } }
interface TabletDoc { table_type: string; fields: Record<string, unknown>[]; indexes: Record<string, Record<string, unknown>[]> }

const readJson = <T>(name: string): T => JSON.parse(readFileSync(join(FIX, name), 'utf8')) as T;
/** A fixture, changed by `edit`. */
const edited = <T>(name: string, edit: (doc: T) => void): T => {
  const doc = readJson<T>(name);
  edit(doc);
  return doc;
};

/** Asserts `fn` throws a SchemaError about `key` whose reason matches `reason`. */
function throwsAt(t: ExecutionContext, fn: () => unknown, key: string, reason: RegExp, file = F): SchemaError | undefined {
  const e = t.throws(fn, { instanceOf: SchemaError });
  t.is(e?.key, key);
  t.is(e?.file, file);
  t.true(e?.message.startsWith(`${file}: ${key}: `), e?.message);
  t.regex(e?.message ?? '', reason);
  return e;
}

const collect = (): SchemaLoadOptions & { warnings: string[] } => {
  const warnings: string[] = [];
  return { skipUnsupportedIndexes: true, warn: (m) => warnings.push(m), warnings };
};

// ---- the three dialects ----------------------------------------------------------------------

test('hape schema (cases/normal copy) → exact model', async (t) => {
  t.deepEqual(await loadSchema(join(FIX, 'hape_normal.json')), HAPE_NORMAL);
});

test('legacy ha3 schema → exact model (singlews_analyzer, PACK boosts 1/1, attributes)', async (t) => {
  t.deepEqual(await loadSchema(join(FIX, 'legacy_normal.json')), LEGACY_NORMAL);
});

test('camelCase hape schema → primary key company_id INT64, multiValue/defaultValue read', async (t) => {
  const s = await loadSchema(join(FIX, 'hape_camel.json'));
  t.is(s.dialect, 'hape');
  t.is(s.primaryKey, 'company_id');
  t.is(s.primaryKeyIndex, 'company_id');
  t.deepEqual(s.fields.find((f) => f.name === 'company_id'), num('company_id', 'INT64', false));
  t.deepEqual(s.fields.find((f) => f.name === 'tags'),
    { name: 'tags', type: 'STRING', multiValue: true, separator: '\x1D', defaultValue: 'none', updatable: false });
  t.deepEqual(s.attributes, ['price']);
  t.deepEqual(s.indexes.map((i) => [i.name, i.type]), [['company_id', 'PRIMARY_KEY64'], ['tags', 'STRING']]);
});

test('v2 tablet schema → exact model; ann category and RANGE index skipped with warnings', async (t) => {
  const opts = collect();
  const s = await loadSchema(join(FIX, 'tablet_normal.json'), opts);
  t.deepEqual(s, {
    tableName: 'in1',
    dialect: 'tablet',
    fields: [
      num('id', 'INT64'),
      text('title'),
      { name: 'cat', type: 'INT32', multiValue: true, separator: ',', updatable: true },
      { name: 'price', type: 'DOUBLE', multiValue: false, separator: '\x1D', defaultValue: '0', updatable: true },
      num('vec', 'RAW', false),
    ],
    indexes: [
      { name: 'pk', type: 'PRIMARY_KEY128', fields: [{ field: 'id', boost: 0 }] },
      { name: 'title', type: 'TEXT', fields: [{ field: 'title', boost: 0 }] },
      { name: 'cat', type: 'NUMBER', fields: [{ field: 'cat', boost: 0 }] },
    ],
    attributes: ['id', 'cat', 'price'],
    summaryFields: ['id', 'title', 'price'],
    primaryKey: 'id',
    primaryKeyIndex: 'pk',
    skippedIndexes: [{ name: 'price_range', type: 'RANGE' }, { name: 'vec_index', type: 'ANN' }],
  } satisfies TableSchema);
  t.is(opts.warnings.length, 2);
  t.regex(opts.warnings[0] ?? '', /indexes\.inverted_index\[2\]\.index_type: skipping unsupported RANGE index 'price_range'/);
  t.regex(opts.warnings[1] ?? '', /indexes\.ann\[0\]: skipping unsupported ANN index 'vec_index'/);
});

test('detectDialect', (t) => {
  t.is(detectDialect(readJson('hape_normal.json')), 'hape');
  t.is(detectDialect(readJson('legacy_normal.json')), 'legacy');
  t.is(detectDialect(readJson('tablet_normal.json')), 'tablet');
  t.is(detectDialect({ foo: 1 }), undefined);
});

// ---- unsupported indexes ---------------------------------------------------------------------

test('ANN index: error naming it, unless skipUnsupportedIndexes (then a warning)', (t) => {
  const json = readJson<unknown>('hape_vector.json');
  throwsAt(t, () => parseSchema(json, F), 'indexes[2].index_type', /unsupported index type ANN \(index 'vector_index'\)/);
  const opts = collect();
  const s = parseSchema(json, F, opts);
  t.deepEqual(s.skippedIndexes, [{ name: 'vector_index', type: 'ANN' }]);
  t.deepEqual(s.indexes.map((i) => i.name), ['id']);
  t.deepEqual(opts.warnings, [`${F}: indexes[2].index_type: skipping unsupported ANN index 'vector_index'`]);
  t.deepEqual(s.attributes, ['vector']);
  t.deepEqual(s.fields.map((f) => [f.name, f.updatable]), [['id', false], ['vector', false], ['DUP_vector', false]]);
});

test('unknown index type fails even with skipUnsupportedIndexes', (t) => {
  const json = edited<HapeDoc>('hape_normal.json', (d) => { d.indexes[4]!.index_type = 'FANCY'; });
  throwsAt(t, () => parseSchema(json, F, collect()), 'indexes[4].index_type', /unknown index type 'FANCY' \(index 'title'\)/);
});

for (const type of ['SPATIAL', 'RANGE', 'DATE', 'EXPACK', 'SOURCE', 'CUSTOMIZED']) {
  test(`${type} index is unsupported`, (t) => {
    const json = edited<HapeDoc>('hape_normal.json', (d) => { d.indexes[5]!.index_type = type; });
    throwsAt(t, () => parseSchema(json, F), 'indexes[5].index_type', new RegExp(`unsupported index type ${type} \\(index 'subject'\\)`));
    t.deepEqual(parseSchema(json, F, collect()).skippedIndexes, [{ name: 'subject', type }]);
  });
}

// ---- validation errors, with their key paths -------------------------------------------------

test('no primary key index → "no primary key"', (t) => {
  const json = edited<HapeDoc>('hape_normal.json', (d) => { d.indexes.splice(0, 1); });
  throwsAt(t, () => parseSchema(json, F), 'indexes', /no primary key/);
  const legacy = edited<LegacyDoc>('legacy_normal.json', (d) => { d.indexs.splice(0, 1); });
  throwsAt(t, () => parseSchema(legacy, F), 'indexs', /no primary key/);
  const tablet = edited<TabletDoc>('tablet_normal.json', (d) => { delete d.indexes.primarykey; });
  throwsAt(t, () => parseSchema(tablet, F, collect()), 'indexes.primarykey', /no primary key/);
});

test('two primary key indexes', (t) => {
  const json = edited<HapeDoc>('hape_normal.json', (d) => {
    d.indexes.push({ name: 'pk2', index_type: 'PRIMARY_KEY128', index_config: { index_fields: [{ field_name: 'hits' }] } });
  });
  throwsAt(t, () => parseSchema(json, F), 'indexes[8].index_type', /more than one primary key index \('id' and 'pk2'\)/);
});

test('primary key on an unknown field names the key', (t) => {
  const json = edited<HapeDoc>('hape_normal.json', (d) => { d.indexes[0]!.index_config.index_fields[0]!.field_name = 'uid'; });
  throwsAt(t, () => parseSchema(json, F), 'indexes[0].index_config.index_fields[0].field_name',
    /PRIMARY_KEY64 index 'id' names unknown field 'uid'/);
});

test('primary key field may not be multi-value', (t) => {
  const json = edited<HapeDoc>('hape_normal.json', (d) => { d.columns[2]!.multi_value = true; });
  throwsAt(t, () => parseSchema(json, F), 'indexes[0].index_config.index_fields[0].field_name', /cannot be multi-value/);
});

test('unknown fields in TEXT, PACK, ATTRIBUTE and SUMMARY indexes', (t) => {
  const cases: [number, number, string, RegExp][] = [
    [4, 0, 'indexes[4].index_config.index_fields[0].field_name', /TEXT index 'title' names unknown field 'nope'/],
    [6, 1, 'indexes[6].index_config.index_fields[1].field_name', /PACK index 'default' names unknown field 'nope'/],
    [3, 0, 'indexes[3].index_config.index_fields[0].field_name', /attribute names unknown field 'nope'/],
    [7, 2, 'indexes[7].index_config.index_fields[2].field_name', /summary names unknown field 'nope'/],
  ];
  for (const [i, j, key, reason] of cases) {
    const json = edited<HapeDoc>('hape_normal.json', (d) => { d.indexes[i]!.index_config.index_fields[j]!.field_name = 'nope'; });
    throwsAt(t, () => parseSchema(json, F), key, reason);
  }
});

test('camelCase key paths are reported as written', (t) => {
  const json = edited<{ indexes: { indexConfig: { indexFields: { fieldName: string }[] } }[] }>('hape_camel.json', (d) => {
    d.indexes[1]!.indexConfig.indexFields[0]!.fieldName = 'cost';
  });
  throwsAt(t, () => parseSchema(json, F), 'indexes[1].indexConfig.indexFields[0].fieldName', /attribute names unknown field 'cost'/);
});

test('unknown and unsupported field types name columns[i].type', (t) => {
  let json = edited<HapeDoc>('hape_normal.json', (d) => { d.columns[2]!.type = 'UINT33'; });
  throwsAt(t, () => parseSchema(json, F), 'columns[2].type', /unknown field type 'UINT33' \(field 'id'\)/);
  for (const type of ['TIME', 'TIMESTAMP', 'DATE', 'LOCATION', 'POLYGON', 'LINE']) {
    json = edited<HapeDoc>('hape_normal.json', (d) => { d.columns[4]!.type = type; });
    throwsAt(t, () => parseSchema(json, F), 'columns[4].type', new RegExp(`unsupported field type ${type} \\(field 'createtime'\\)`));
  }
});

test('field types are case-insensitive; INTEGER and LONG are INT32 and INT64', (t) => {
  const json = edited<LegacyDoc>('legacy_normal.json', (d) => {
    d.fields[3]!.field_type = 'integer';
    d.fields[4]!.field_type = 'LONG';
  });
  t.deepEqual(parseSchema(json, F).fields.slice(3).map((f) => f.type), ['INT32', 'INT64']);
});

test('duplicate column names', (t) => {
  const json = edited<HapeDoc>('hape_normal.json', (d) => { d.columns.push({ name: 'hits', type: 'INT32' }); });
  throwsAt(t, () => parseSchema(json, F), 'columns[5].name', /duplicate field name 'hits' \(first at columns\[3\]\.name\)/);
});

test('duplicate inverted index names', (t) => {
  const json = edited<HapeDoc>('hape_normal.json', (d) => { d.indexes[5]!.name = 'title'; });
  throwsAt(t, () => parseSchema(json, F), 'indexes[5].name', /duplicate index name 'title' \(first at indexes\[4\]\.name\)/);
});

test('index / field type mismatches Havenask rejects', (t) => {
  const cases: [(d: HapeDoc) => void, string, RegExp][] = [
    [(d) => { d.indexes[4]!.index_config.index_fields[0]!.field_name = 'hits'; },
      'indexes[4].index_config.index_fields[0].field_name', /TEXT index 'title' cannot index UINT32 field 'hits'/],
    [(d) => { d.indexes[4]!.index_type = 'STRING'; },
      'indexes[4].index_config.index_fields[0].field_name', /STRING index 'title' cannot index TEXT field 'title'/],
    [(d) => { d.indexes[4]!.index_type = 'NUMBER'; },
      'indexes[4].index_config.index_fields[0].field_name', /NUMBER index 'title' cannot index TEXT field 'title'/],
    [(d) => { d.indexes[6]!.index_config.index_fields[1]!.field_name = 'id'; },
      'indexes[6].index_config.index_fields[1].field_name', /PACK index 'default' cannot index UINT32 field 'id'/],
    [(d) => { d.columns[1]!.analyzer = 'jieba_analyzer'; },
      'indexes[6].index_config.index_fields[1].field_name', /PACK index 'default' mixes analyzers 'simple_analyzer' and 'jieba_analyzer'/],
    [(d) => { d.indexes[6]!.index_config.index_fields[1]!.field_name = 'title'; },
      'indexes[6].index_config.index_fields[1].field_name', /PACK index 'default' names field 'title' twice/],
    [(d) => { d.indexes[4]!.index_config.index_fields.push({ field_name: 'subject' }); },
      'indexes[4].index_config.index_fields', /TEXT index 'title' must name exactly one field \(it names 2\)/],
    [(d) => { d.indexes[3]!.index_config.index_fields[0]!.field_name = 'title'; },
      'indexes[3].index_config.index_fields[0].field_name', /TEXT field 'title' cannot be an attribute/],
    [(d) => { d.indexes[2]!.index_config.index_fields[0]!.field_name = 'id'; },
      'indexes[2].index_config.index_fields[0].field_name', /duplicate attribute 'id'/],
    [(d) => { d.indexes[3]!.index_config.index_fields = []; },
      'indexes[3].index_config.index_fields', /ATTRIBUTE index 'createtime' must list exactly one field/],
    [(d) => { d.columns[2]!.analyzer = 'simple_analyzer'; },
      'columns[2].analyzer', /analyzer is only allowed on TEXT fields \('id' is UINT32\)/],
    [(d) => { d.columns[0]!.separator = ','; }, 'columns[0].separator', /TEXT field 'title' cannot change the multi-value separator/],
    [(d) => { d.columns[0]!.multi_value = 'yes'; }, 'columns[0].multi_value', /expected true or false/],
    [(d) => { d.indexes[6]!.index_config.index_fields[0]!.boost = 1.5; }, 'indexes[6].index_config.index_fields[0].boost', /expected an integer/],
    [(d) => { delete d.columns[1]!.name; }, 'columns[1].name', /missing/],
  ];
  for (const [edit, key, reason] of cases) throwsAt(t, () => parseSchema(edited('hape_normal.json', edit), F), key, reason);
});

test('legacy key paths', (t) => {
  const cases: [(d: LegacyDoc) => void, string, RegExp][] = [
    [(d) => { d.indexs[1]!.index_fields = 'headline'; }, 'indexs[1].index_fields', /TEXT index 'title' names unknown field 'headline'/],
    [(d) => { d.attributes[1] = 'views'; }, 'attributes[1]', /attribute names unknown field 'views'/],
    [(d) => { d.summarys.summary_fields[2] = 'views'; }, 'summarys.summary_fields[2]', /summary names unknown field 'views'/],
    [(d) => { d.fields[2]!.field_type = 'TIMESTAMP'; }, 'fields[2].field_type', /unsupported field type TIMESTAMP/],
    [(d) => { d.indexs[2]!.index_type = 'EXPACK'; }, 'indexs[2].index_type', /unsupported index type EXPACK \(index 'default'\)/],
  ];
  for (const [edit, key, reason] of cases) throwsAt(t, () => parseSchema(edited('legacy_normal.json', edit), F), key, reason);
});

test('legacy PRIMARYKEY128, attribute objects and updatable_multi_value', (t) => {
  const json = edited<LegacyDoc>('legacy_normal.json', (d) => {
    d.indexs[0]!.index_type = 'PRIMARYKEY128';
    d.fields.push({ field_name: 'tags', field_type: 'STRING', multi_value: true, updatable_multi_value: true });
    d.attributes = ['id', { field_name: 'hits', updatable: false }, 'tags'];
  });
  const s = parseSchema(json, F);
  t.is(s.indexes[0]?.type, 'PRIMARY_KEY128');
  t.deepEqual(s.attributes, ['id', 'hits', 'tags']);
  t.deepEqual(s.fields.map((f) => [f.name, f.updatable]),
    [['title', false], ['subject', false], ['id', true], ['hits', false], ['createtime', false], ['tags', true]]);
});

test('tablet key paths and table types', (t) => {
  const cases: [(d: TabletDoc) => void, string, RegExp][] = [
    [(d) => { d.indexes.inverted_index![0]!.index_fields = 'body'; }, 'indexes.inverted_index[0].index_fields', /TEXT index 'title' names unknown field 'body'/],
    [(d) => { d.indexes.attribute![1]!.field_name = 'body'; }, 'indexes.attribute[1].field_name', /attribute names unknown field 'body'/],
    [(d) => { d.fields[1]!.field_type = 'LINE'; }, 'fields[1].field_type', /unsupported field type LINE/],
    [(d) => { d.table_type = 'kv'; }, 'table_type', /unsupported table type 'kv'/],
    [(d) => { d.indexes.primarykey![0]!.index_type = 'TEXT'; }, 'indexes.primarykey[0].index_type', /does not belong under indexes\.primarykey/],
  ];
  for (const [edit, key, reason] of cases) throwsAt(t, () => parseSchema(edited('tablet_normal.json', edit), F, collect()), key, reason);
  throwsAt(t, () => parseSchema(readJson('tablet_normal.json'), F), 'indexes.inverted_index[2].index_type', /unsupported index type RANGE/);
});

test('defaults: analyzer, separator, multiValue, updatable; explicit values kept', (t) => {
  const json = edited<HapeDoc>('hape_normal.json', (d) => {
    delete d.columns[0]!.analyzer;
    d.columns[3]!.updatable = false;
    d.columns.push({ name: 'tags', type: 'int32', multi_value: true, separator: ',', default_value: 7, nullable: true });
    d.indexes.push({ name: 'tags', index_type: 'ATTRIBUTE', index_config: { index_fields: [{ field_name: 'tags' }] } });
  });
  const s = parseSchema(json, F);
  t.deepEqual(s.fields[0], text('title'));
  t.deepEqual(s.fields[3], num('hits', 'UINT32', false));
  t.deepEqual(s.fields[5],
    { name: 'tags', type: 'INT32', multiValue: true, separator: ',', defaultValue: '7', nullable: true, updatable: false });
});

// ---- files and JSON errors -------------------------------------------------------------------

test('invalid JSON → SchemaError with the file and the position', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'bsctl-schema-'));
  try {
    const file = join(dir, 'bad.json');
    await writeFile(file, '{\n  "columns": [\n    {"name": "a",}\n  ]\n}\n');
    const e = await t.throwsAsync(loadSchema(file), { instanceOf: SchemaError });
    t.is(e?.file, file);
    t.is(e?.key, 'line 3 column 18 (position 34)');
    t.regex(e?.message ?? '', /^.*bad\.json: line 3 column 18 \(position 34\): invalid JSON: /);
    // V8 gives no position for some errors: it is found anyway.
    throwsAt(t, () => parseSchemaText('{\n "a": tru}', F), 'line 2 column 10 (position 11)', /invalid JSON: Unexpected token/);
    throwsAt(t, () => parseSchemaText('{"a": tr', F), 'line 1 column 9 (position 8)', /Unexpected end of JSON input/);
    const missing = join(dir, 'missing.json');
    const e2 = await t.throwsAsync(loadSchema(missing), { instanceOf: SchemaError });
    t.is(e2?.message, `${missing}: (file): cannot read the schema file (ENOENT)`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('not an object / not a schema', (t) => {
  throwsAt(t, () => parseSchema([], F), '(root)', /must be a JSON object/);
  throwsAt(t, () => parseSchema({ tables: [] }, F), '(root)', /not a Havenask schema/);
  throwsAt(t, () => parseSchema({ columns: {} }, F), 'columns', /expected an array, got an object/);
});

// ---- every schema in the shared Havenask fixtures (when present) -----------------------------

const sharedTest = SHARED ? test : test.skip;

function jsonFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? jsonFiles(p) : name.endsWith('.json') ? [p] : [];
  });
}

sharedTest('every Havenask fixture schema parses (unsupported indexes skipped)', (t) => {
  const schemas = jsonFiles(SHARED!).filter((f) => {
    const json: unknown = JSON.parse(readFileSync(f, 'utf8'));
    return typeof json === 'object' && json !== null && !Array.isArray(json) && detectDialect(json as Record<string, unknown>) !== undefined;
  });
  t.true(schemas.length >= 10, `${schemas.length} schemas`);
  for (const f of schemas) {
    const s = parseSchemaText(readFileSync(f, 'utf8'), f, collect());
    t.truthy(s.primaryKey, f);
  }
});

sharedTest('Havenask fixtures: exact models and unsupported indexes', async (t) => {
  t.deepEqual(await loadSchema(join(SHARED!, 'cases/normal/in0_schema.json')), HAPE_NORMAL);
  t.deepEqual(await loadSchema(join(SHARED!, 'legacy_v0.x/cases/normal/in0_schema.json')), LEGACY_NORMAL);
  const camel = await loadSchema(join(SHARED!, 'testdata/example/schema.json'));
  t.is(camel.primaryKey, 'company_id');
  t.is(camel.fields.find((f) => f.name === 'company_id')?.type, 'INT64');
  for (const [c, key, name] of [['vector', 'indexes[4].index_type', 'vector_index'], ['llm', 'indexes[6].index_type', 'embedding_index']] as const) {
    const file = join(SHARED!, `cases/${c}/in0_schema.json`);
    const e = await t.throwsAsync(loadSchema(file), { instanceOf: SchemaError });
    t.is(e?.message, `${file}: ${key}: unsupported index type ANN (index '${name}'); use --skip-unsupported-indexes to build without it`);
    const opts = collect();
    const s = await loadSchema(file, opts);
    t.deepEqual(s.skippedIndexes, [{ name, type: 'ANN' }]);
    t.deepEqual(opts.warnings, [`${file}: ${key}: skipping unsupported ANN index '${name}'`]);
  }
  const source = join(SHARED!, 'testdata/update_to_add/in0_schema.json');
  await t.throwsAsync(loadSchema(source), { message: /indexes\[0\]\.index_type: unsupported index type SOURCE \(index '_SOURCE_'\)/ });
});
