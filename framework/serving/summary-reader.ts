import path from 'node:path';
import type { FieldSchema, TableSchema } from '../index/schema/model.ts';
import { parseScalar, type FieldValue, type Scalar } from '../index/values.ts';
import { OffsetTable, readFileOrThrow } from './bytes.ts';
import { SummaryBlocks } from './summary-blocks.ts';

/**
 * The summary store of a segment (`summary/{data,offset}`, and `block` when compressed): per document a
 * JSON object of its summary fields as strings (multi-values arrays of strings). Values are typed back
 * by the field's type, so 64-bit integers come back as exact bigint.
 */
export class SummaryReader {
  /** The stored bytes as written, or their compressed blocks. */
  private readonly data: Buffer | SummaryBlocks;
  private readonly offsets: OffsetTable;
  private readonly fields: readonly FieldSchema[];
  private readonly dataFile: string;

  constructor(dir: string, schema: TableSchema, readonly docCount: number) {
    this.dataFile = path.join(dir, 'data');
    const data = readFileOrThrow(this.dataFile);
    this.data = schema.summaryCompression ? new SummaryBlocks(dir, data, schema.summaryCompression) : data;
    this.offsets = new OffsetTable(path.join(dir, 'offset'), docCount, this.data.length);
    const byName = new Map(schema.fields.map((f) => [f.name, f]));
    this.fields = schema.summaryFields.map((n) => {
      const f = byName.get(n);
      if (!f) throw new Error(`${this.dataFile}: summary field ${n} is not in the schema`);
      return f;
    });
  }

  /** The raw stored object of document `docId` (strings and arrays of strings). */
  raw(docId: number): Record<string, string | string[]> {
    if (docId < 0 || docId >= this.docCount) throw new RangeError(`${this.dataFile}: docid ${docId} out of range`);
    const [start, end] = this.offsets.range(docId);
    const text = this.data instanceof SummaryBlocks ? this.data.text(start, end) : this.data.toString('utf8', start, end);
    try {
      return JSON.parse(text) as Record<string, string | string[]>;
    } catch (err) {
      throw new Error(`${this.dataFile}: document ${docId}: invalid JSON: ${(err as Error).message}`);
    }
  }

  /** The typed summary fields of document `docId`, in schema summary order. */
  get(docId: number): Record<string, FieldValue> {
    const raw = this.raw(docId);
    const out: Record<string, FieldValue> = {};
    for (const f of this.fields) {
      const v = raw[f.name];
      if (v === undefined) continue;
      out[f.name] = Array.isArray(v) ? v.map((s) => this.typed(f, s, docId)) : this.typed(f, v, docId);
    }
    return out;
  }

  private typed(f: FieldSchema, s: string, docId: number): Scalar {
    const v = parseScalar(f.type, s);
    if (typeof v === 'object') throw new Error(`${this.dataFile}: document ${docId}, field ${f.name}: ${v.error}`);
    return v;
  }
}
