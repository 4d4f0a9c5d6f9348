/**
 * Checks a RawSchema (any dialect) against the rules Havenask itself enforces and builds the typed
 * TableSchema. Sources (Havenask, Apache-2.0): indexlib FieldConfig::Check / StrToFieldType,
 * SingleFieldIndexConfig / PackageIndexConfig::CheckFieldType, AttributeConfig (updatable default,
 * no TEXT attributes), catalog TableSchemaConfig (one primary key; one field per non-PACK index;
 * TEXT fields default to simple_analyzer). Every error names the config key it is about.
 */
import {
  type FieldSchema, type FieldType, type IndexSchema, SchemaError, type SchemaLoadOptions, type TableSchema,
} from './model.ts';
import type { RawField, RawIndex, RawSchema } from './raw.ts';

const FIELD_TYPES: readonly FieldType[] = [
  'TEXT', 'STRING', 'INT8', 'UINT8', 'INT16', 'UINT16', 'INT32', 'UINT32', 'INT64', 'UINT64', 'FLOAT', 'DOUBLE', 'RAW',
];
/** indexlib spellings of the same types. */
const FIELD_TYPE_ALIASES = new Map<string, FieldType>([['INTEGER', 'INT32'], ['LONG', 'INT64']]);
/** Types Havenask knows but bsctl does not build (they need parsing or geometry beyond a plain value). */
const UNSUPPORTED_FIELD_TYPES = new Set([
  'TIME', 'TIMESTAMP', 'DATE', 'LOCATION', 'POLYGON', 'LINE', 'ENUM', 'FP8', 'FP16', 'HASH_64', 'HASH_128', 'ONLINE', 'PROPERTY',
]);
const INTEGER_TYPES = new Set<FieldType>(['INT8', 'UINT8', 'INT16', 'UINT16', 'INT32', 'UINT32', 'INT64', 'UINT64']);

/** Inverted index types bsctl builds. */
type BuiltIndexType = 'PRIMARY_KEY64' | 'PRIMARY_KEY128' | 'TEXT' | 'PACK' | 'STRING' | 'NUMBER';
const BUILT_INDEX_TYPES: readonly BuiltIndexType[] = ['PRIMARY_KEY64', 'PRIMARY_KEY128', 'TEXT', 'PACK', 'STRING', 'NUMBER'];
const INDEX_TYPE_ALIASES = new Map<string, BuiltIndexType>([
  ['PRIMARY_KEY', 'PRIMARY_KEY64'], ['PRIMARYKEY64', 'PRIMARY_KEY64'], ['PRIMARYKEY128', 'PRIMARY_KEY128'],
]);
/** Index types Havenask knows but bsctl does not build: fatal unless skipUnsupportedIndexes. */
const UNSUPPORTED_INDEX_TYPES = new Set([
  'ANN', 'SPATIAL', 'RANGE', 'DATE', 'DATETIME', 'EXPACK', 'SOURCE', 'CUSTOMIZED', 'ORC', 'TRIE',
]);

const isFieldType = (s: string): s is FieldType => (FIELD_TYPES as readonly string[]).includes(s);
const isBuiltIndexType = (s: string): s is BuiltIndexType => (BUILT_INDEX_TYPES as readonly string[]).includes(s);
const isPrimaryKey = (t: BuiltIndexType): boolean => t === 'PRIMARY_KEY64' || t === 'PRIMARY_KEY128';

/** What each inverted index type may index (PRIMARY_KEY*: any type). */
function fieldTypeNeeded(type: BuiltIndexType, ft: FieldType): string | undefined {
  if ((type === 'TEXT' || type === 'PACK') && ft !== 'TEXT') return 'TEXT fields';
  if (type === 'STRING' && ft !== 'STRING') return 'STRING fields';
  if (type === 'NUMBER' && !INTEGER_TYPES.has(ft)) return 'integer fields (INT8..UINT64)';
  return undefined;
}

type Fail = (key: string, reason: string) => never;
type Field = Omit<FieldSchema, 'updatable'> & { readonly explicitUpdatable?: boolean };

function normaliseField(f: RawField, fail: Fail): Field {
  const name = f.name.value;
  const written = f.type.value;
  const type = FIELD_TYPE_ALIASES.get(written) ?? (isFieldType(written) ? written : undefined);
  if (!type) {
    const what = UNSUPPORTED_FIELD_TYPES.has(written) ? `unsupported field type ${written}` : `unknown field type '${written}'`;
    return fail(f.type.key, `${what} (field '${name}')`);
  }
  if (type !== 'TEXT' && f.analyzer && f.analyzer.value !== '') {
    fail(f.analyzer.key, `an analyzer is only allowed on TEXT fields ('${name}' is ${type})`);
  }
  const separator = f.separator?.value || '\x1D';
  if (type === 'TEXT' && separator !== '\x1D' && f.separator) {
    fail(f.separator.key, `TEXT field '${name}' cannot change the multi-value separator`);
  }
  if (type === 'RAW' && f.nullable) fail(f.name.key, `RAW field '${name}' cannot be nullable`);
  return {
    name,
    type,
    ...(type === 'TEXT' && { analyzer: f.analyzer?.value || 'simple_analyzer' }),
    multiValue: f.multiValue,
    separator,
    ...(f.defaultValue !== undefined && { defaultValue: f.defaultValue }),
    ...(f.nullable && { nullable: true }),
    ...(f.updatable !== undefined && { explicitUpdatable: f.updatable }),
  };
}

/** Checks one built index's field list against the fields; returns its model. */
function buildIndex(index: RawIndex, type: BuiltIndexType, fields: ReadonlyMap<string, Field>, fail: Fail): IndexSchema {
  const label = `${type} index '${index.name.value}'`;
  const n = index.fields.length;
  if (type === 'PACK' ? n === 0 : n !== 1) {
    fail(index.fieldsKey, `${label} must name ${type === 'PACK' ? 'at least one field' : 'exactly one field'} (it names ${n})`);
  }
  if (type === 'PACK' && n > 31) {
    // Postings keep a PACK term's fields as a 31-bit field map.
    fail(index.fieldsKey, `${label} names ${n} fields; at most 31 are supported`);
  }
  const seen = new Set<string>();
  let packAnalyzer: string | undefined;
  for (const { field: ref } of index.fields) {
    const field = fields.get(ref.value) ?? fail(ref.key, `${label} names unknown field '${ref.value}'`);
    if (seen.has(ref.value)) fail(ref.key, `${label} names field '${ref.value}' twice`);
    seen.add(ref.value);
    const needed = fieldTypeNeeded(type, field.type);
    if (needed) fail(ref.key, `${label} cannot index ${field.type} field '${ref.value}' (it takes ${needed})`);
    if (type === 'PACK' && packAnalyzer !== undefined && packAnalyzer !== field.analyzer) {
      fail(ref.key, `${label} mixes analyzers '${packAnalyzer}' and '${field.analyzer}'`);
    }
    packAnalyzer = field.analyzer;
    if (isPrimaryKey(type) && (field.multiValue || field.nullable)) {
      fail(ref.key, `primary key field '${ref.value}' cannot be ${field.multiValue ? 'multi-value' : 'nullable'}`);
    }
  }
  return { name: index.name.value, type, fields: index.fields.map((f) => ({ field: f.field.value, boost: f.boost })) };
}

export function validateSchema(raw: RawSchema, file: string, options: SchemaLoadOptions = {}): TableSchema {
  const fail: Fail = (key, reason) => {
    throw new SchemaError(file, key, reason);
  };
  const warn = options.warn ?? ((message: string) => console.warn(message));

  const fields = new Map<string, Field>();
  const fieldKeys = new Map<string, string>();
  for (const f of raw.fields) {
    const first = fieldKeys.get(f.name.value);
    if (first !== undefined) fail(f.name.key, `duplicate field name '${f.name.value}' (first at ${first})`);
    fieldKeys.set(f.name.value, f.name.key);
    fields.set(f.name.value, normaliseField(f, fail));
  }

  const indexes: IndexSchema[] = [];
  const skippedIndexes: { name: string; type: string }[] = [];
  const indexKeys = new Map<string, string>();
  const primaryKeys: { raw: RawIndex; built: IndexSchema }[] = [];
  for (const index of raw.indexes) {
    const { value: written, key: typeKey } = index.type;
    const name = index.name.value;
    const type = INDEX_TYPE_ALIASES.get(written) ?? (isBuiltIndexType(written) ? written : undefined);
    if (!type) {
      if (!UNSUPPORTED_INDEX_TYPES.has(written)) fail(typeKey, `unknown index type '${written}' (index '${name}')`);
      if (!options.skipUnsupportedIndexes) {
        fail(typeKey, `unsupported index type ${written} (index '${name}'); use --skip-unsupported-indexes to build without it`);
      }
      warn(`${file}: ${typeKey}: skipping unsupported ${written} index '${name}'`);
      skippedIndexes.push({ name, type: written });
      continue;
    }
    const first = indexKeys.get(name);
    if (first !== undefined) fail(index.name.key, `duplicate index name '${name}' (first at ${first})`);
    indexKeys.set(name, index.name.key);
    const built = buildIndex(index, type, fields, fail);
    indexes.push(built);
    if (isPrimaryKey(type)) primaryKeys.push({ raw: index, built });
  }
  const [pk, extraPk] = primaryKeys;
  if (!pk) return fail(raw.indexesKey, 'no primary key: exactly one PRIMARY_KEY64 or PRIMARY_KEY128 index is required');
  if (extraPk) fail(extraPk.raw.type.key, `more than one primary key index ('${pk.built.name}' and '${extraPk.built.name}')`);

  const attributes = new Map<string, boolean>();
  for (const a of raw.attributes) {
    const name = a.field.value;
    const field = fields.get(name) ?? fail(a.field.key, `attribute names unknown field '${name}'`);
    if (attributes.has(name)) fail(a.field.key, `duplicate attribute '${name}'`);
    if (field.type === 'TEXT') fail(a.field.key, `TEXT field '${name}' cannot be an attribute`);
    // Havenask default: single-value numeric attributes are updatable, others only when configured.
    const byType = !field.multiValue && field.type !== 'STRING' && field.type !== 'RAW';
    attributes.set(name, a.updatable ?? field.explicitUpdatable ?? byType);
  }

  const summaryFields: string[] = [];
  for (const s of raw.summaryFields) {
    if (!fields.has(s.value)) fail(s.key, `summary names unknown field '${s.value}'`);
    if (summaryFields.includes(s.value)) fail(s.key, `summary names field '${s.value}' twice`);
    summaryFields.push(s.value);
  }

  const pkField = pk.built.fields[0]?.field ?? fail(pk.raw.fieldsKey, 'primary key index has no field');
  return {
    ...(raw.tableName !== undefined && { tableName: raw.tableName }),
    dialect: raw.dialect,
    fields: [...fields.values()].map(({ explicitUpdatable: _, ...f }) => ({ ...f, updatable: attributes.get(f.name) ?? false })),
    indexes,
    attributes: [...attributes.keys()],
    summaryFields,
    ...(raw.summaryCompression && summaryFields.length > 0 && { summaryCompression: raw.summaryCompression.value }),
    primaryKey: pkField,
    primaryKeyIndex: pk.built.name,
    skippedIndexes,
  };
}
