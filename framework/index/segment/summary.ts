import path from 'node:path';
import type { FieldType, TableSchema } from '../schema/model.ts';
import { ByteSink } from '../../shuffle/bytes.ts';
import { scalarToString, valueToString, type FieldValue } from '../values.ts';
import { FileSink } from './file-sink.ts';
import { summaryCodec, type BlockCodec } from './summary-codec.ts';

/** Uncompressed bytes of a compressed summary block (a block ends at the first document boundary past it). */
export const SUMMARY_BLOCK_BYTES = 64 * 1024;

/**
 * The summary store: per document a JSON object of its summary fields as strings (multi-values as
 * arrays of strings, 64-bit integers exact), concatenated, located by `offset` ((n+1) uint64). With
 * the schema's summary compression, the concatenation is cut into blocks of whole documents, each
 * compressed on its own into `data`, and `block` locates them; see docs/index-format.md "Summary".
 */
export class SummaryWriter {
  private readonly data: FileSink;
  private readonly offsets: FileSink;
  private readonly types: Map<string, FieldType>;
  private readonly codec: BlockCodec | undefined;
  /** Compressed only: the block being filled, its blocks' (uncompressed, compressed) starts, and the logical position. */
  private readonly block: ByteSink | undefined;
  private readonly blocks: FileSink | undefined;
  private logical = 0;

  constructor(dir: string, private readonly schema: TableSchema) {
    this.types = new Map(schema.fields.map((f) => [f.name, f.type]));
    this.data = new FileSink(path.join(dir, 'data'));
    this.offsets = new FileSink(path.join(dir, 'offset'));
    this.offsets.uint64(0);
    if (schema.summaryCompression) {
      this.codec = summaryCodec(schema.summaryCompression);
      this.block = new ByteSink(SUMMARY_BLOCK_BYTES + 4096);
      this.blocks = new FileSink(path.join(dir, 'block'));
    }
  }

  add(doc: Readonly<Record<string, FieldValue>>): void {
    const out: Record<string, string | string[]> = {};
    for (const name of this.schema.summaryFields) {
      const v = doc[name];
      if (v === undefined) continue;
      const type = this.types.get(name);
      out[name] = Array.isArray(v) ? v.map((x) => scalarToString(x, type)) : valueToString(v, undefined, type);
    }
    const json = JSON.stringify(out);
    if (this.block) {
      this.block.ensure(3 * json.length); // the UTF-8 bound: no byteLength pass over the text
      const n = this.block.buf.write(json, this.block.length, 'utf8');
      this.block.length += n;
      this.logical += n;
      this.offsets.uint64(this.logical);
      if (this.block.length >= SUMMARY_BLOCK_BYTES) this.flushBlock();
    } else {
      this.data.utf8(json);
      this.offsets.uint64(this.data.position);
      this.data.maybeFlush();
    }
    this.offsets.maybeFlush();
  }

  /** Compress the current block into `data` and record where it starts. */
  private flushBlock(): void {
    const block = this.block!;
    if (block.length === 0) return;
    this.blocks!.uint64(this.logical - block.length);
    this.blocks!.uint64(this.data.position);
    this.data.bytes(this.codec!.compress(block.buf.subarray(0, block.length)));
    this.data.maybeFlush();
    block.reset();
  }

  close(): void {
    if (this.blocks) {
      this.flushBlock();
      // The end: total uncompressed and compressed bytes, so block b is [start[b], start[b+1]).
      this.blocks.uint64(this.logical);
      this.blocks.uint64(this.data.position);
      this.blocks.close();
    }
    this.data.close();
    this.offsets.close();
  }
}
