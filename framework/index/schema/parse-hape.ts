/**
 * The hape / catalog dialect (havenask.md §2a): `{"columns": [...], "indexes": [...]}`, keys in
 * snake_case or camelCase (`index_type` / `indexType`, ...). Attributes and the summary are indexes
 * here (ATTRIBUTE: one field each; SUMMARY: its field list); they are moved to their own lists.
 * A column's `primary_key` flag is not used: the PRIMARY_KEY64/128 index decides the primary key.
 */
import { child, item, type JsonObject, JsonReader } from './json.ts';
import type { SummaryCompression } from './model.ts';
import { mergeSummaryCompression, parseSummaryCompression } from './parse-legacy.ts';
import type { Keyed, RawAttribute, RawField, RawIndex, RawIndexField, RawSchema } from './raw.ts';

const K = {
  tableName: ['table_name', 'tableName'],
  name: ['name'],
  type: ['type'],
  analyzer: ['analyzer'],
  multiValue: ['multi_value', 'multiValue'],
  separator: ['separator'],
  defaultValue: ['default_value', 'defaultValue'],
  nullable: ['nullable'],
  updatable: ['updatable'],
  indexType: ['index_type', 'indexType'],
  indexConfig: ['index_config', 'indexConfig'],
  indexFields: ['index_fields', 'indexFields'],
  fieldName: ['field_name', 'fieldName'],
  boost: ['boost'],
} as const;

function parseColumn(r: JsonReader, v: unknown, key: string): RawField {
  const o = r.object(v, key);
  const type = r.requiredString(o, key, K.type);
  const analyzer = r.string(o, key, K.analyzer);
  const separator = r.string(o, key, K.separator);
  const defaultValue = r.scalar(o, key, K.defaultValue);
  const updatable = r.boolean(o, key, K.updatable);
  return {
    name: r.requiredString(o, key, K.name),
    type: { value: type.value.toUpperCase(), key: type.key },
    ...(analyzer && { analyzer }),
    multiValue: r.boolean(o, key, K.multiValue) ?? false,
    ...(separator && { separator }),
    ...(defaultValue !== undefined && { defaultValue }),
    nullable: r.boolean(o, key, K.nullable) ?? false,
    ...(updatable !== undefined && { updatable }),
  };
}

/** `index_config.index_fields` of one index; absent (SOURCE has none) = empty. */
function parseIndexFields(r: JsonReader, o: JsonObject, key: string): { fieldsKey: string; fields: RawIndexField[] } {
  const config = r.find(o, key, K.indexConfig);
  const configKey = config?.key ?? child(key, K.indexConfig[0]);
  const list = config ? r.optionalArray(r.object(config.value, config.key), config.key, K.indexFields) : undefined;
  const fieldsKey = list?.key ?? child(configKey, K.indexFields[0]);
  const fields = (list?.value ?? []).map((f, j): RawIndexField => {
    const fk = item(fieldsKey, j);
    const fo = r.object(f, fk);
    return { field: r.requiredString(fo, fk, K.fieldName), boost: r.integer(fo, fk, K.boost) ?? 0 };
  });
  return { fieldsKey, fields };
}

export function parseHape(json: JsonObject, file: string): RawSchema {
  const r: JsonReader = new JsonReader(file);
  const fields = r.array(json.columns, 'columns').map((c, i) => parseColumn(r, c, item('columns', i)));
  const indexes: RawIndex[] = [];
  const attributes: RawAttribute[] = [];
  const summaryFields: Keyed<string>[] = [];
  let summaryCompression: Keyed<SummaryCompression> | undefined;
  const list = json.indexes === undefined || json.indexes === null ? [] : r.array(json.indexes, 'indexes');
  list.forEach((v, i) => {
    const key = item('indexes', i);
    const o = r.object(v, key);
    const name = r.requiredString(o, key, K.name);
    const written = r.requiredString(o, key, K.indexType);
    const type = { value: written.value.toUpperCase(), key: written.key };
    const { fieldsKey, fields: indexFields } = parseIndexFields(r, o, key);
    if (type.value === 'ATTRIBUTE') {
      const [only] = indexFields;
      if (!only || indexFields.length !== 1) {
        r.fail(fieldsKey, `ATTRIBUTE index '${name.value}' must list exactly one field (it lists ${indexFields.length})`);
      }
      attributes.push({ field: only.field });
    } else if (type.value === 'SUMMARY') {
      summaryFields.push(...indexFields.map((f) => f.field));
      const config = r.find(o, key, K.indexConfig);
      if (config) summaryCompression = mergeSummaryCompression(r, summaryCompression, parseSummaryCompression(r, r.object(config.value, config.key), config.key));
    } else {
      indexes.push({ key, name, type, fieldsKey, fields: indexFields });
    }
  });
  const tableName = r.string(json, '', K.tableName)?.value;
  return {
    dialect: 'hape',
    ...(tableName !== undefined && { tableName }),
    fields,
    indexes,
    indexesKey: 'indexes',
    attributes,
    summaryFields,
    ...(summaryCompression && { summaryCompression }),
  };
}
