import type { Ha3Document } from '../input/ha3.ts';
import type { TableSchema } from './schema/model.ts';
import type { SideRow } from './side-input.ts';

/** A side table enriching documents: rows keyed by `key`, matched to the documents' field `on`. */
export interface SideTableConfig {
  readonly data: readonly string[];
  /** The side's key column. */
  readonly key: string;
  /** The documents' field it matches (default: the schema's primary key). */
  readonly on?: string;
  /** Columns copied into the documents: fields of the schema. */
  readonly fields: readonly string[];
  /** Column names of a .tsv side (in order). */
  readonly columns?: readonly string[];
}

/** A key list restricting the build (include) or taking documents out (exclude), matched to field `on`. */
export interface KeyListConfig {
  readonly data: readonly string[];
  readonly on?: string;
}

/** A table config's `join` section. */
export interface TableJoins {
  readonly sides: readonly SideTableConfig[];
  readonly includeKeys?: KeyListConfig;
  readonly excludeKeys?: KeyListConfig;
}

/** The full build's join steps: key lists first (fewer documents flow on), then up to SIDE_SLOTS side tables. */
export const INCLUDE_KEYS = 'include-keys';
export const EXCLUDE_KEYS = 'exclude-keys';
export const SIDE_SLOTS = 4;
export const sideSlot = (i: number): string => `side${i + 1}`;
/** Conf key holding the resolved joins (JSON of ResolvedJoins). */
export const CONF_JOINS = 'fullbuild.joins';

/** What the job's tasks need of the joins, by slot name. */
type ResolvedJoins = Readonly<Record<string, { readonly on: string; readonly key?: string; readonly fields?: readonly string[]; readonly columns?: readonly string[] }>>;

const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string' && x.length > 0);

/** Parse and check the `join` section of a table config (`rel` resolves its paths); errors name the key. */
export function parseTableJoins(raw: unknown, file: string, rel: (p: string) => string): TableJoins {
  const fail = (key: string, reason: string): never => {
    throw new Error(`${file}: join.${key}: ${reason}`);
  };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return fail('(section)', 'must be an object with sides, includeKeys, excludeKeys');
  const j = raw as Record<string, unknown>;
  for (const k of Object.keys(j)) if (!['sides', 'includeKeys', 'excludeKeys'].includes(k)) fail(k, 'unknown key (sides, includeKeys, excludeKeys)');
  const sidesRaw = j.sides ?? [];
  if (!Array.isArray(sidesRaw)) return fail('sides', 'must be a list of side tables');
  if (sidesRaw.length > SIDE_SLOTS) fail('sides', `at most ${SIDE_SLOTS} side tables`);
  const sides = sidesRaw.map((s: unknown, i): SideTableConfig => {
    const at = `sides[${i}]`;
    if (typeof s !== 'object' || s === null) return fail(at, 'must be an object');
    const o = s as Record<string, unknown>;
    if (!isStrings(o.data) || o.data.length === 0) fail(`${at}.data`, 'must be a non-empty list of paths');
    if (typeof o.key !== 'string' || !o.key) fail(`${at}.key`, "must name the side's key column");
    if (o.on !== undefined && (typeof o.on !== 'string' || !o.on)) fail(`${at}.on`, 'must name a field of the documents');
    if (!isStrings(o.fields) || o.fields.length === 0) fail(`${at}.fields`, 'must list the columns to copy into the documents');
    if (o.columns !== undefined && !isStrings(o.columns)) fail(`${at}.columns`, 'must list the column names of a .tsv side');
    const columns = o.columns as string[] | undefined;
    if (columns) for (const c of [o.key as string, ...(o.fields as string[])]) if (!columns.includes(c)) fail(`${at}.columns`, `has no column "${c}"`);
    return {
      data: (o.data as string[]).map(rel),
      key: o.key as string,
      fields: o.fields as string[],
      ...(typeof o.on === 'string' ? { on: o.on } : {}),
      ...(columns ? { columns } : {}),
    };
  });
  const keyList = (name: 'includeKeys' | 'excludeKeys'): KeyListConfig | undefined => {
    const v = j[name];
    if (v === undefined) return undefined;
    if (typeof v !== 'object' || v === null) return fail(name, 'must be an object with data (and on)');
    const o = v as Record<string, unknown>;
    if (!isStrings(o.data) || o.data.length === 0) fail(`${name}.data`, 'must be a non-empty list of paths');
    if (o.on !== undefined && (typeof o.on !== 'string' || !o.on)) fail(`${name}.on`, 'must name a field of the documents');
    return { data: (o.data as string[]).map(rel), ...(typeof o.on === 'string' ? { on: o.on } : {}) };
  };
  const includeKeys = keyList('includeKeys');
  const excludeKeys = keyList('excludeKeys');
  return { sides, ...(includeKeys ? { includeKeys } : {}), ...(excludeKeys ? { excludeKeys } : {}) };
}

/** The joins' side paths by slot, and their conf for the tasks; fields are checked against the schema. */
export function planTableJoins(joins: TableJoins, schema: TableSchema, file: string): { sides: Record<string, readonly string[]>; conf: Record<string, string> } {
  const names = new Set(schema.fields.map((f) => f.name));
  const field = (key: string, name: string | undefined): string => {
    const n = name ?? schema.primaryKey;
    if (!names.has(n)) throw new Error(`${file}: join.${key}: no field "${n}" in the schema`);
    return n;
  };
  const sides: Record<string, readonly string[]> = {};
  const resolved: Record<string, ResolvedJoins[string]> = {};
  joins.sides.forEach((s, i) => {
    for (const f of s.fields) field(`sides[${i}].fields`, f);
    if (s.fields.includes(schema.primaryKey)) throw new Error(`${file}: join.sides[${i}].fields: the primary key ${schema.primaryKey} cannot be overwritten by a side table`);
    sides[sideSlot(i)] = s.data;
    resolved[sideSlot(i)] = { on: field(`sides[${i}].on`, s.on), key: s.key, fields: s.fields, ...(s.columns ? { columns: s.columns } : {}) };
  });
  for (const [slot, k, list] of [[INCLUDE_KEYS, 'includeKeys', joins.includeKeys], [EXCLUDE_KEYS, 'excludeKeys', joins.excludeKeys]] as const) {
    if (!list) continue;
    sides[slot] = list.data;
    resolved[slot] = { on: field(`${k}.on`, list.on) };
  }
  return { sides, conf: Object.keys(resolved).length ? { [CONF_JOINS]: JSON.stringify(resolved) } : {} };
}

let parsed: { json: string; joins: ResolvedJoins } | undefined;
function joinOf(conf: Readonly<Record<string, string>>, slot: string): ResolvedJoins[string] {
  const json = conf[CONF_JOINS] ?? '{}';
  if (parsed?.json !== json) parsed = { json, joins: JSON.parse(json) as ResolvedJoins };
  const j = parsed.joins[slot];
  if (!j) throw new Error(`full-build: join ${slot} has a side but no conf ${CONF_JOINS} entry (run it as: bsctl run full-build --table NAME)`);
  return j;
}

/** A document's join key for a slot: its field's value, or null when it has none (it then matches no row). */
export function documentKey(doc: Ha3Document, conf: Readonly<Record<string, string>>, slot: string): string | null {
  const on = joinOf(conf, slot).on;
  for (const [name, value] of doc.fields) if (name === on) return value;
  return null;
}

function column(row: SideRow, name: string, columns: readonly string[] | undefined): unknown {
  if (typeof row === 'string') return row;
  if (Array.isArray(row)) return columns ? row[columns.indexOf(name)] : undefined;
  return (row as Readonly<Record<string, unknown>>)[name];
}

const text = (v: unknown): string | undefined => (v === undefined || v === null ? undefined : v instanceof Date ? String(v.getTime()) : Array.isArray(v) ? v.map(String).join('\x1D') : String(v));

/** A side row's key (a key list's line, trimmed); undefined when it has none (a bad record). */
export function sideKey(row: SideRow, conf: Readonly<Record<string, string>>, slot: string): string | undefined {
  if (typeof row === 'string') return row.trim() || undefined;
  const j = joinOf(conf, slot);
  const k = text(column(row, j.key!, j.columns));
  return k === '' ? undefined : k;
}

/** The document with the side row's fields (the side's value replaces the document's own). */
export function enrich(doc: Ha3Document, row: SideRow | undefined, conf: Readonly<Record<string, string>>, slot: string): Ha3Document {
  if (row === undefined) return doc;
  const j = joinOf(conf, slot);
  const values: [string, string][] = [];
  for (const f of j.fields!) {
    const v = text(column(row, f, j.columns));
    if (v !== undefined) values.push([f, v]);
  }
  const replaced = new Set(values.map(([f]) => f));
  return { ...doc, fields: [...doc.fields.filter(([n]) => !replaced.has(n)), ...values] };
}
