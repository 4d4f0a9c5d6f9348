import { StreamWriter } from './stream-writer.ts';
import type { OutputFormat, RecordWriter } from './types.ts';

/** How a key or value is printed in text output: strings as is, others as JSON (bigint exact). */
export function formatField(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  return toJson(v);
}

/** JSON with bigint written as an exact number literal. */
export function toJson(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `\u0000big:${x}` : x)).replace(/"\\u0000big:(-?\d+)"/g, '$1');
}

function writerOf<K, V>(path: string, line: (k: K, v: V) => string): RecordWriter<K, V> {
  const out = new StreamWriter(path);
  return {
    write: (k, v) => out.write(line(k, v)),
    flush: () => out.flush(),
    close: () => out.close(),
    get bytesWritten() {
      return out.bytesWritten;
    },
  };
}

/** Hadoop's TextOutputFormat: `key\tvalue\n` (just `key\n` when the value is null or undefined). */
export function textOutput<K = unknown, V = unknown>(): OutputFormat<K, V> {
  return {
    name: 'text',
    extension: '',
    createRecordWriter: (path) =>
      writerOf<K, V>(path, (k, v) => (v === null || v === undefined ? `${formatField(k)}\n` : `${formatField(k)}\t${formatField(v)}\n`)),
  };
}

/** JSON lines: `{"key":...,"value":...}` per record, or the value alone with `{ valueOnly: true }`. */
export function jsonLinesOutput<K = unknown, V = unknown>(options: { valueOnly?: boolean } = {}): OutputFormat<K, V> {
  return {
    name: 'jsonl',
    extension: '.jsonl',
    createRecordWriter: (path) =>
      writerOf<K, V>(path, (key, value) => `${options.valueOnly ? toJson(value) : toJson({ key, value })}\n`),
  };
}
