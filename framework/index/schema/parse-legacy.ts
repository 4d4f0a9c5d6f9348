/**
 * The legacy ha3 dialect (havenask.md §2b): `table_name`, `fields`, `indexs` (sic), `attributes`,
 * `summarys`. Its field and index entries use indexlib's own keys (`field_name`, `field_type`,
 * `index_name`, `index_type`, `index_fields`), shared with the v2 tablet dialect (parse-tablet.ts).
 */
import { child, item, type JsonObject, JsonReader } from './json.ts';
import { SUMMARY_COMPRESSORS, type SummaryCompression } from './model.ts';
import type { Keyed, RawAttribute, RawField, RawIndex, RawIndexField, RawSchema } from './raw.ts';

/** One indexlib field entry: `{field_name, field_type, analyzer, multi_value, separator, default_value, enable_null}`. */
export function parseIndexlibField(r: JsonReader, v: unknown, key: string): RawField {
  const o = r.object(v, key);
  const type = r.requiredString(o, key, ['field_type']);
  const analyzer = r.string(o, key, ['analyzer']);
  const separator = r.string(o, key, ['separator']);
  const defaultValue = r.scalar(o, key, ['default_value']);
  // indexlib: multi-value (and string) attributes are only updatable with updatable_multi_value.
  const updatable = r.boolean(o, key, ['updatable_multi_value']) === true ? true : undefined;
  return {
    name: r.requiredString(o, key, ['field_name']),
    type: { value: type.value.toUpperCase(), key: type.key },
    ...(analyzer && { analyzer }),
    multiValue: r.boolean(o, key, ['multi_value']) ?? false,
    ...(separator && { separator }),
    ...(defaultValue !== undefined && { defaultValue }),
    nullable: r.boolean(o, key, ['enable_null']) ?? false,
    ...(updatable !== undefined && { updatable }),
  };
}

/** `index_fields`: a field name, or `[{field_name, boost}]` (PACK), or a list of names. */
function parseIndexFields(r: JsonReader, o: JsonObject, path: string): { fieldsKey: string; fields: RawIndexField[] } {
  const fieldsKey = child(path, 'index_fields');
  const v = o.index_fields;
  if (v === undefined || v === null) return { fieldsKey, fields: [] };
  if (typeof v === 'string') return { fieldsKey, fields: [{ field: { value: v, key: fieldsKey }, boost: 0 }] };
  const fields = r.array(v, fieldsKey).map((f, j): RawIndexField => {
    const fk = item(fieldsKey, j);
    if (typeof f === 'string') return { field: { value: f, key: fk }, boost: 0 };
    const fo = r.object(f, fk);
    return { field: r.requiredString(fo, fk, ['field_name']), boost: r.integer(fo, fk, ['boost']) ?? 0 };
  });
  return { fieldsKey, fields };
}

/** One indexlib index entry: `{index_name, index_type, index_fields, ...}`. */
export function parseIndexlibIndex(r: JsonReader, v: unknown, key: string): RawIndex {
  const o = r.object(v, key);
  const type = r.requiredString(o, key, ['index_type']);
  return {
    key,
    name: r.requiredString(o, key, ['index_name']),
    type: { value: type.value.toUpperCase(), key: type.key },
    ...parseIndexFields(r, o, key),
  };
}

/** An attribute entry: a field name, `{field_name, updatable}`, or a pack `{pack_name, sub_attributes}`. */
export function parseAttributeEntry(r: JsonReader, v: unknown, key: string): RawAttribute[] {
  if (typeof v === 'string') return [{ field: { value: v, key } }];
  const o = r.object(v, key);
  const sub = r.optionalArray(o, key, ['sub_attributes']);
  if (sub) return sub.value.flatMap((s, j) => parseAttributeEntry(r, s, item(sub.key, j)));
  const updatable = r.boolean(o, key, ['updatable']);
  return [{ field: r.requiredString(o, key, ['field_name']), ...(updatable !== undefined && { updatable }) }];
}

/** `summary_fields` of a summary object (legacy `summarys`, tablet `indexes.summary[i]`). */
export function parseSummaryFields(r: JsonReader, v: unknown, key: string): Keyed<string>[] {
  const list = r.optionalArray(r.object(v, key), key, ['summary_fields']);
  if (!list) return [];
  return list.value.map((f, j) => {
    const fk = item(list.key, j);
    return typeof f === 'string' && f !== '' ? { value: f, key: fk } : r.fail(fk, 'expected a field name');
  });
}

/**
 * The summary's block compressor from a summary object (legacy `summarys`, tablet
 * `indexes.summary[i]`, hape SUMMARY `index_config`): `compress: true` alone means zlib (Havenask's
 * default), `compress_type` names the codec (lz4, zlib, zlib_default), `compress: false` none.
 */
export function parseSummaryCompression(r: JsonReader, o: JsonObject, key: string): Keyed<SummaryCompression> | undefined {
  const compress = r.boolean(o, key, ['compress']);
  const type = r.string(o, key, ['compress_type', 'compressType']);
  if (compress === false) return undefined;
  if (!type) return compress ? { value: 'zlib', key: child(key, 'compress') } : undefined;
  const name = type.value.toLowerCase();
  const known = SUMMARY_COMPRESSORS.find((c) => c === name);
  return known ? { value: known, key: type.key } : r.fail(type.key, `unsupported summary compressor '${type.value}' (bsctl writes ${SUMMARY_COMPRESSORS.join(', ')})`);
}

/** One compressor for every summary entry that names one (tablet schemas may list several summary groups). */
export function mergeSummaryCompression(r: JsonReader, a: Keyed<SummaryCompression> | undefined, b: Keyed<SummaryCompression> | undefined): Keyed<SummaryCompression> | undefined {
  if (a && b && a.value !== b.value) r.fail(b.key, `summary compressor '${b.value}' differs from '${a.value}' at ${a.key} (bsctl stores one summary)`);
  return a ?? b;
}

export function parseLegacy(json: JsonObject, file: string): RawSchema {
  const r: JsonReader = new JsonReader(file);
  const fields = r.array(json.fields, 'fields').map((f, i) => parseIndexlibField(r, f, item('fields', i)));
  const indexs = r.optionalArray(json, '', ['indexs'])?.value ?? [];
  const attrs = r.optionalArray(json, '', ['attributes'])?.value ?? [];
  const tableName = r.string(json, '', ['table_name'])?.value;
  const summaryCompression = json.summarys == null ? undefined : parseSummaryCompression(r, r.object(json.summarys, 'summarys'), 'summarys');
  return {
    dialect: 'legacy',
    ...(tableName !== undefined && { tableName }),
    fields,
    indexes: indexs.map((v, i) => parseIndexlibIndex(r, v, item('indexs', i))),
    indexesKey: 'indexs',
    attributes: attrs.flatMap((v, i) => parseAttributeEntry(r, v, item('attributes', i))),
    summaryFields: json.summarys == null ? [] : parseSummaryFields(r, json.summarys, 'summarys'),
    ...(summaryCompression && { summaryCompression }),
  };
}
