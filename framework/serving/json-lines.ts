import type { FieldValue } from '../index/values.ts';

/** A result cell: a typed field value (bigint for 64-bit integers) or a count. */
export type Cell = FieldValue;

/** One result row: output column name → value, in select order. */
export type Row = ReadonlyArray<readonly [string, Cell]>;

/** JSON text of a value; bigints become exact JSON numbers (not strings, not rounded). */
export function jsonValue(v: Cell): string {
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return Number.isFinite(v) ? JSON.stringify(v) : 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  return `[${v.map((x) => jsonValue(x)).join(',')}]`;
}

/** One row as a JSON object on one line (no trailing newline). */
export function jsonLine(row: Row): string {
  return `{${row.map(([k, v]) => `${JSON.stringify(k)}:${jsonValue(v)}`).join(',')}}`;
}

/** A record of typed values as one JSON line. */
export function jsonLineOf(record: Readonly<Record<string, Cell>>): string {
  return jsonLine(Object.entries(record));
}
