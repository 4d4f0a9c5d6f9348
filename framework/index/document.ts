import type { Ha3Document } from '../input/ha3.ts';
import type { FieldValue } from './values.ts';
import { parseField } from './values.ts';
import type { TableSchema, FieldSchema } from './schema/model.ts';

export type Command = 'add' | 'delete' | 'update_field';

/** A validated document command, as it travels through the shuffle (key = its raw primary key). */
export interface DocCommand {
  readonly cmd: Command;
  /** Typed values of the schema fields the document gives (add: all fields, defaults filled). */
  readonly fields: Readonly<Record<string, FieldValue>>;
  /** Input order: file position among the data paths, then byte offset. */
  readonly fileIndex: number;
  readonly offset: number;
}

export type Converted =
  | { readonly ok: true; readonly pk: string; readonly doc: DocCommand; readonly ignoredFields: number }
  | { readonly ok: false; readonly offset: number; readonly reason: string };

const COMMANDS: ReadonlySet<string> = new Set(['add', 'delete', 'update_field']);

/**
 * A DocCommand as it crosses the shuffle: `[cmd, fileIndex, offset, value of each schema field or
 * undefined]`, a flat array the shuffle's array codec writes several times faster than an object.
 */
export type PackedCommand = readonly (string | number | FieldValue | undefined)[];

export function packCommand(schema: TableSchema, c: DocCommand): PackedCommand {
  const out: (string | number | FieldValue | undefined)[] = [c.cmd, c.fileIndex, c.offset];
  for (const f of schema.fields) out.push(c.fields[f.name]);
  return out;
}

export function unpackCommand(schema: TableSchema, packed: PackedCommand): DocCommand {
  const fields: Record<string, FieldValue> = {};
  const { fields: list } = schema;
  for (let i = 0; i < list.length; i++) {
    const v = packed[i + 3];
    if (v !== undefined) fields[list[i]!.name] = v;
  }
  return { cmd: packed[0] as Command, fields, fileIndex: packed[1] as number, offset: packed[2] as number };
}

/** A document refused for `reason`, at its offset. */
function badAt(raw: Ha3Document, reason: string): Converted {
  return { ok: false, offset: raw.offset, reason };
}

/** Validate and type one ha3 document against the schema (havenask.md §1). */
export function convertDocument(schema: TableSchema, byName: ReadonlyMap<string, FieldSchema>, raw: Ha3Document, fileIndex: number): Converted {
  const problem = raw.problems[0];
  if (problem) return { ok: false, offset: problem.offset, reason: problem.message };
  let cmd: string | undefined;
  let pk: string | undefined;
  const given = new Map<string, string>();
  let ignored = 0;
  for (const [name, value] of raw.fields) {
    if (name === 'CMD') cmd = value;
    else if (byName.has(name)) given.set(name, value);
    else ignored++;
    if (name === schema.primaryKey) pk = value;
  }
  if (cmd === undefined) return badAt(raw, 'document without CMD');
  if (!COMMANDS.has(cmd)) return badAt(raw, `unknown CMD "${cmd}"`);
  if (pk === undefined || pk === '') return badAt(raw, `document without primary key (${schema.primaryKey})`);
  const fields: Record<string, FieldValue> = {};
  if (cmd === 'add') {
    for (const f of schema.fields) {
      const v = parseField(f, given.get(f.name) ?? '');
      if (typeof v === 'object' && 'error' in v) return badAt(raw, v.error);
      fields[f.name] = v;
    }
  } else if (cmd === 'update_field') {
    for (const [name, rawValue] of given) {
      if (name === schema.primaryKey) continue;
      const v = parseField(byName.get(name)!, rawValue);
      if (typeof v === 'object' && 'error' in v) return badAt(raw, v.error);
      fields[name] = v;
    }
  }
  const pkCheck = parseField(byName.get(schema.primaryKey)!, pk);
  if (typeof pkCheck === 'object' && 'error' in pkCheck) return badAt(raw, pkCheck.error);
  return { ok: true, pk, doc: { cmd: cmd as Command, fields, fileIndex, offset: raw.offset }, ignoredFields: ignored };
}

/**
 * Replay one primary key's commands in input order: add replaces, delete removes, update_field
 * changes the updatable attribute fields of the current document. Returns the final document.
 */
export function replay(schema: TableSchema, commands: readonly DocCommand[]): Record<string, FieldValue> | undefined {
  // The common case, one add: the document as it came (nothing else holds it).
  if (commands.length === 1 && commands[0]!.cmd === 'add') return commands[0]!.fields as Record<string, FieldValue>;
  const ordered = [...commands].sort((a, b) => a.fileIndex - b.fileIndex || a.offset - b.offset);
  let current: Record<string, FieldValue> | undefined;
  const updatable = new Set(schema.fields.filter((f) => f.updatable && schema.attributes.includes(f.name)).map((f) => f.name));
  for (const c of ordered) {
    if (c.cmd === 'add') current = { ...c.fields };
    else if (c.cmd === 'delete') current = undefined;
    else if (current) {
      for (const [name, v] of Object.entries(c.fields)) if (updatable.has(name)) current[name] = v;
    }
  }
  return current;
}
