/**
 * The v2 tablet dialect (havenask.md §2c), as the catalog writes it (Havenask
 * aios/catalog/tools/TableSchemaConfig.cpp; sample: aios/catalog/tools/test/testdata/normal_schema.json):
 *
 *   { "table_name": "t", "table_type": "normal", "fields": [{field_name, field_type, ...}],
 *     "indexes": { "primarykey":     [{index_name, index_type: "PRIMARYKEY64", index_fields: "id"}],
 *                  "inverted_index": [{index_name, index_type, index_fields: "f" | [{field_name, boost}]}],
 *                  "attribute":      [{field_name, updatable?}],
 *                  "summary":        [{summary_fields: ["f", ...]}],
 *                  "ann" | "source" | ...: [...] },
 *     "settings": {...} }
 *
 * Only `table_type: "normal"` (the default) is accepted. Any other category (`ann`, `source`, `orc`...)
 * holds unsupported indexes whose type is the category upper-cased (`ANN`); `settings` is ignored.
 */
import { child, item, type JsonObject, JsonReader } from './json.ts';
import { mergeSummaryCompression, parseAttributeEntry, parseIndexlibField, parseIndexlibIndex, parseSummaryCompression, parseSummaryFields } from './parse-legacy.ts';
import type { SummaryCompression } from './model.ts';
import type { Keyed, RawAttribute, RawIndex, RawSchema } from './raw.ts';

/** An entry of a category bsctl does not build (ann, source, orc, ...): named, never field-checked. */
function unsupportedEntry(r: JsonReader, category: string, v: unknown, key: string): RawIndex {
  const o = r.object(v, key);
  const name = r.string(o, key, ['index_name']) ?? { value: category, key };
  return { key, name, type: { value: category.toUpperCase(), key }, fieldsKey: child(key, 'index_fields'), fields: [] };
}

export function parseTablet(json: JsonObject, file: string): RawSchema {
  const r: JsonReader = new JsonReader(file);
  const tableType = r.string(json, '', ['table_type']);
  if (tableType && tableType.value !== 'normal') {
    r.fail(tableType.key, `unsupported table type '${tableType.value}' (only "normal" tables are built)`);
  }
  const fields = r.array(json.fields, 'fields').map((f, i) => parseIndexlibField(r, f, item('fields', i)));
  const indexes: RawIndex[] = [];
  const attributes: RawAttribute[] = [];
  const summaryFields: Keyed<string>[] = [];
  let summaryCompression: Keyed<SummaryCompression> | undefined;
  for (const [category, v] of Object.entries(r.object(json.indexes, 'indexes'))) {
    const path = child('indexes', category);
    r.array(v, path).forEach((entry, i) => {
      const key = item(path, i);
      if (category === 'attribute') attributes.push(...parseAttributeEntry(r, entry, key));
      else if (category === 'summary') {
        summaryFields.push(...parseSummaryFields(r, entry, key));
        summaryCompression = mergeSummaryCompression(r, summaryCompression, parseSummaryCompression(r, r.object(entry, key), key));
      }
      else if (category === 'primarykey' || category === 'inverted_index') {
        const index = parseIndexlibIndex(r, entry, key);
        const isPk = /^PRIMARY_?KEY(64|128)$/.test(index.type.value);
        if (isPk !== (category === 'primarykey')) {
          r.fail(index.type.key, `index type ${index.type.value} does not belong under indexes.${category}`);
        }
        indexes.push(index);
      } else indexes.push(unsupportedEntry(r, category, entry, key));
    });
  }
  const tableName = r.string(json, '', ['table_name'])?.value;
  return {
    dialect: 'tablet',
    ...(tableName !== undefined && { tableName }),
    fields,
    indexes,
    indexesKey: 'indexes.primarykey',
    attributes,
    summaryFields,
    ...(summaryCompression && { summaryCompression }),
  };
}
