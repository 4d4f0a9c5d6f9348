import type { FieldSchema, FieldType } from './schema/model.ts';

/** A typed field value: 8–32-bit integers and floats as number, 64-bit integers as exact bigint. */
export type Scalar = string | number | bigint;
export type FieldValue = Scalar | readonly Scalar[];

const INT_RANGES: Partial<Record<FieldType, readonly [bigint, bigint]>> = {
  INT8: [-128n, 127n],
  UINT8: [0n, 255n],
  INT16: [-32768n, 32767n],
  UINT16: [0n, 65535n],
  INT32: [-2147483648n, 2147483647n],
  UINT32: [0n, 4294967295n],
  INT64: [-(2n ** 63n), 2n ** 63n - 1n],
  UINT64: [0n, 2n ** 64n - 1n],
};

export function is64Bit(type: FieldType): boolean {
  return type === 'INT64' || type === 'UINT64';
}

export function isNumeric(type: FieldType): boolean {
  return type in INT_RANGES || type === 'FLOAT' || type === 'DOUBLE';
}

/** Parse one scalar of a type, or return an error reason. */
export function parseScalar(type: FieldType, raw: string): Scalar | { error: string } {
  const range = INT_RANGES[type];
  if (range) {
    const t = raw.trim();
    if (!/^[+-]?\d+$/.test(t)) return { error: `"${raw}" is not a valid ${type}` };
    const v = BigInt(t);
    if (v < range[0] || v > range[1]) return { error: `${raw} is out of range for ${type} [${range[0]}, ${range[1]}]` };
    return is64Bit(type) ? v : Number(v);
  }
  if (type === 'FLOAT' || type === 'DOUBLE') {
    const t = raw.trim();
    const v = Number(t);
    if (t === '' || !Number.isFinite(v)) return { error: `"${raw}" is not a valid ${type}` };
    return type === 'FLOAT' ? Math.fround(v) : v;
  }
  return raw;
}

/** The value a field takes when the document leaves it empty or out. */
export function defaultValue(field: FieldSchema): FieldValue {
  if (field.defaultValue !== undefined && field.defaultValue !== '') {
    const v = parseField(field, field.defaultValue);
    if (!(typeof v === 'object' && v !== null && 'error' in v)) return v;
  }
  if (field.multiValue) return [];
  if (!isNumeric(field.type)) return '';
  return is64Bit(field.type) ? 0n : 0;
}

/** Parse a document's raw string for a field (multi-value split by the field's separator). */
export function parseField(field: FieldSchema, raw: string): FieldValue | { error: string } {
  if (raw === '') return defaultValue(field);
  if (!field.multiValue) {
    const v = parseScalar(field.type, raw);
    return typeof v === 'object' ? { error: `field ${field.name}: ${v.error}` } : v;
  }
  const out: Scalar[] = [];
  for (const part of raw.split(field.separator)) {
    if (part === '' && isNumeric(field.type)) continue;
    const v = parseScalar(field.type, part);
    if (typeof v === 'object') return { error: `field ${field.name}: ${v.error}` };
    out.push(v);
  }
  return out;
}

/** The shortest decimal that reads back as the same single-precision float (0.1, not 0.10000000149). */
export function formatFloat(v: number): string {
  for (let p = 1; p <= 9; p++) {
    const s = String(Number(v.toPrecision(p)));
    if (Math.fround(Number(s)) === v) return s;
  }
  return String(v);
}

/** The canonical string of a scalar; FLOAT fields use single-precision formatting. */
export function scalarToString(v: Scalar, type?: FieldType): string {
  return type === 'FLOAT' && typeof v === 'number' ? formatFloat(v) : String(v);
}

/** The canonical string of a value (summary store, STRING/NUMBER index terms). */
export function valueToString(v: FieldValue, separator = '\x1D', type?: FieldType): string {
  return Array.isArray(v) ? v.map((x) => scalarToString(x, type)).join(separator) : scalarToString(v as Scalar, type);
}
