/**
 * Schema loading: detect the dialect of a schema JSON (hape, legacy ha3, v2 tablet; havenask.md §2),
 * parse it and validate it into a TableSchema.
 *
 *   const schema = await loadSchema('in0_schema.json', { skipUnsupportedIndexes: true, warn: log });
 */
import { readFile } from 'node:fs/promises';
import { isObject, type JsonObject } from './json.ts';
import { SchemaError, type SchemaLoadOptions, type TableSchema } from './model.ts';
import { parseHape } from './parse-hape.ts';
import { parseLegacy } from './parse-legacy.ts';
import { parseTablet } from './parse-tablet.ts';
import { validateSchema } from './validate.ts';

export type SchemaDialect = TableSchema['dialect'];

/**
 * `columns` → hape; `fields` with an `indexes` map → tablet; `fields` / `indexs` / `attributes` /
 * `summarys` → legacy; anything else → undefined.
 */
export function detectDialect(json: JsonObject): SchemaDialect | undefined {
  if (json.columns !== undefined) return 'hape';
  if (json.fields !== undefined && isObject(json.indexes)) return 'tablet';
  if (['fields', 'indexs', 'attributes', 'summarys'].some((k) => json[k] !== undefined)) return 'legacy';
  return undefined;
}

/** Parses an already-decoded schema JSON. Throws SchemaError naming `file` and the offending key. */
export function parseSchema(json: unknown, file: string, options: SchemaLoadOptions = {}): TableSchema {
  if (!isObject(json)) throw new SchemaError(file, '(root)', 'a schema must be a JSON object');
  const dialect = detectDialect(json);
  switch (dialect) {
    case 'hape':
      return validateSchema(parseHape(json, file), file, options);
    case 'legacy':
      return validateSchema(parseLegacy(json, file), file, options);
    case 'tablet':
      return validateSchema(parseTablet(json, file), file, options);
    default:
      throw new SchemaError(file, '(root)',
        'not a Havenask schema: expected "columns" (hape), "fields" + "indexs" (legacy) or "fields" + an "indexes" map (tablet)');
  }
}

/** Where JSON.parse failed: from its message, else found by parsing ever longer prefixes. */
function errorPosition(text: string, message: string): number {
  const m = /at position (\d+)/.exec(message);
  if (m) return Number(m[1]);
  if (/Unexpected end of JSON input/.test(message)) return text.length;
  // A prefix is "still fine" when it parses or only fails for ending early; the first bad one ends at the error.
  const fine = (n: number): boolean => {
    try {
      JSON.parse(text.slice(0, n));
      return true;
    } catch (e) {
      const msg = e instanceof Error ? e.message : '';
      const at = /at position (\d+)/.exec(msg);
      return /Unexpected end of JSON input/.test(msg) || (at !== null && Number(at[1]) >= n);
    }
  };
  let lo = 0; // fine(lo)
  let hi = text.length; // !fine(hi): the whole text failed
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (fine(mid)) lo = mid;
    else hi = mid;
  }
  return hi - 1;
}

/** Parses schema JSON text; invalid JSON → SchemaError whose key is the line, column and position. */
export function parseSchemaText(text: string, file: string, options: SchemaLoadOptions = {}): TableSchema {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const pos = errorPosition(body, message);
    const before = body.slice(0, pos);
    const line = before.split('\n').length;
    const column = pos - before.lastIndexOf('\n');
    throw new SchemaError(file, `line ${line} column ${column} (position ${pos})`, `invalid JSON: ${message}`);
  }
  return parseSchema(json, file, options);
}

/** Reads and parses one schema file. */
export async function loadSchema(file: string, options: SchemaLoadOptions = {}): Promise<TableSchema> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? (e instanceof Error ? e.message : String(e));
    throw new SchemaError(file, '(file)', `cannot read the schema file (${code})`);
  }
  return parseSchemaText(text, file, options);
}
