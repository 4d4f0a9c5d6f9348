import path from 'node:path';
import type { FieldType, TableSchema } from '../schema/model.ts';
import { scalarToString, valueToString, type FieldValue } from '../values.ts';
import { FileSink } from './file-sink.ts';

/**
 * The summary store: per document a JSON object of its summary fields as strings (multi-values as
 * arrays of strings, 64-bit integers exact), concatenated in `data`, located by `offset` ((n+1) uint64).
 */
export class SummaryWriter {
  private readonly data: FileSink;
  private readonly offsets: FileSink;

  private readonly types: Map<string, FieldType>;

  constructor(dir: string, private readonly schema: TableSchema) {
    this.types = new Map(schema.fields.map((f) => [f.name, f.type]));
    this.data = new FileSink(path.join(dir, 'data'));
    this.offsets = new FileSink(path.join(dir, 'offset'));
    this.offsets.uint64(0);
  }

  add(doc: Readonly<Record<string, FieldValue>>): void {
    const out: Record<string, string | string[]> = {};
    for (const name of this.schema.summaryFields) {
      const v = doc[name];
      if (v === undefined) continue;
      const type = this.types.get(name);
      out[name] = Array.isArray(v) ? v.map((x) => scalarToString(x, type)) : valueToString(v, undefined, type);
    }
    this.data.utf8(JSON.stringify(out));
    this.offsets.uint64(this.data.position);
    this.data.maybeFlush();
    this.offsets.maybeFlush();
  }

  close(): void {
    this.data.close();
    this.offsets.close();
  }
}
