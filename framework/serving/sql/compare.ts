import type { Scalar } from '../../index/values.ts';
import type { Cell } from '../json-lines.ts';

/**
 * Value comparison for WHERE and ORDER BY. Numbers are compared exactly: 64-bit integers are bigint,
 * and a bigint is never converted to a double (`18446744073709551615 > 18446744073709551614` holds).
 * Strings compare by Unicode code point (= UTF-8 byte order).
 */

const sign = (n: number): number => (n < 0 ? -1 : n > 0 ? 1 : 0);

/** Exact comparison of two numbers, either of which may be a bigint. */
export function compareNumbers(a: number | bigint, b: number | bigint): number {
  if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'number') return -compareNumbers(b, a);
  // a: bigint, b: number.
  const n = b as number;
  if (Number.isNaN(n)) return 0;
  if (!Number.isFinite(n)) return n > 0 ? -1 : 1;
  const floor = Math.floor(n);
  const f = BigInt(floor);
  if (a < f) return -1;
  if (a > f) return 1; // a ≥ floor + 1 > n
  return n === floor ? 0 : -1;
}

/** Code-point order of two strings. */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x < y ? -1 : 1;
    if (x > 0xffff) i++;
  }
  return sign(a.length - b.length);
}

/** Compare two scalars: numbers exactly, strings by code point, a number against a string as text. */
export function compareScalars(a: Scalar, b: Scalar): number {
  if (typeof a !== 'string' && typeof b !== 'string') return compareNumbers(a, b);
  return compareStrings(String(a), String(b));
}

/** Total order for ORDER BY: scalars as above, multi-values element by element, then by length. */
export function compareCells(a: Cell, b: Cell): number {
  if (Array.isArray(a) || Array.isArray(b)) {
    const x: readonly Scalar[] = Array.isArray(a) ? a : [a as Scalar];
    const y: readonly Scalar[] = Array.isArray(b) ? b : [b as Scalar];
    for (let i = 0; i < Math.min(x.length, y.length); i++) {
      const c = compareScalars(x[i]!, y[i]!);
      if (c !== 0) return c;
    }
    return sign(x.length - y.length);
  }
  return compareScalars(a as Scalar, b as Scalar);
}
