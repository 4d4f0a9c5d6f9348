/**
 * Narrowing helpers for schema JSON parsed as `unknown`. Every failure is a SchemaError naming the
 * file and the key path. Keys may have several spellings (`index_type` / `indexType`): the first one
 * present wins and its own spelling goes into the key path. `null` counts as absent.
 */
import { SchemaError } from './model.ts';
import type { Keyed } from './raw.ts';

export type JsonObject = { readonly [key: string]: unknown };

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `path.name` (or just `name` at the root). */
export const child = (path: string, name: string): string => (path ? `${path}.${name}` : name);
/** `path[i]`. */
export const item = (path: string, i: number): string => `${path}[${i}]`;

const describe = (v: unknown): string =>
  v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object' : `a ${typeof v}`;

/** Reads the JSON of one schema file, naming `file` in every error. */
export class JsonReader {
  constructor(readonly file: string) {}

  fail(key: string, reason: string): never {
    throw new SchemaError(this.file, key, reason);
  }

  object(v: unknown, key: string): JsonObject {
    return isObject(v) ? v : this.fail(key, `expected an object, got ${describe(v)}`);
  }

  array(v: unknown, key: string): readonly unknown[] {
    return Array.isArray(v) ? v : this.fail(key, `expected an array, got ${describe(v)}`);
  }

  /** The first of `names` present in `o`, with its key path. */
  find(o: JsonObject, path: string, names: readonly string[]): Keyed<unknown> | undefined {
    for (const name of names) {
      const value = o[name];
      if (value !== undefined && value !== null) return { value, key: child(path, name) };
    }
    return undefined;
  }

  string(o: JsonObject, path: string, names: readonly string[]): Keyed<string> | undefined {
    const found = this.find(o, path, names);
    if (!found) return undefined;
    if (typeof found.value !== 'string') this.fail(found.key, `expected a string, got ${describe(found.value)}`);
    return { value: found.value, key: found.key };
  }

  /** A required, non-empty string. */
  requiredString(o: JsonObject, path: string, names: readonly string[]): Keyed<string> {
    const found = this.string(o, path, names);
    if (!found) return this.fail(child(path, names[0] ?? ''), 'missing (a non-empty string is required)');
    if (found.value === '') this.fail(found.key, 'must not be empty');
    return found;
  }

  boolean(o: JsonObject, path: string, names: readonly string[]): boolean | undefined {
    const found = this.find(o, path, names);
    if (!found) return undefined;
    return typeof found.value === 'boolean' ? found.value : this.fail(found.key, `expected true or false, got ${describe(found.value)}`);
  }

  integer(o: JsonObject, path: string, names: readonly string[]): number | undefined {
    const found = this.find(o, path, names);
    if (!found) return undefined;
    if (typeof found.value !== 'number' || !Number.isInteger(found.value)) {
      this.fail(found.key, `expected an integer, got ${JSON.stringify(found.value)}`);
    }
    return found.value;
  }

  /** A string, number or boolean, as its string (default values may be written as JSON numbers). */
  scalar(o: JsonObject, path: string, names: readonly string[]): string | undefined {
    const found = this.find(o, path, names);
    if (!found) return undefined;
    const v = found.value;
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return String(v);
    return this.fail(found.key, `expected a string or number, got ${describe(v)}`);
  }

  /** An optional array under one of `names`, with its key path. */
  optionalArray(o: JsonObject, path: string, names: readonly string[]): Keyed<readonly unknown[]> | undefined {
    const found = this.find(o, path, names);
    return found ? { value: this.array(found.value, found.key), key: found.key } : undefined;
  }
}
