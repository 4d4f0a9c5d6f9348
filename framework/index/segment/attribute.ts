import path from 'node:path';
import type { FieldSchema, FieldType } from '../schema/model.ts';
import type { FieldValue, Scalar } from '../values.ts';
import { FileSink } from './file-sink.ts';

/** Bytes of a fixed-width attribute value (undefined = variable length). */
export const FIXED_WIDTH: Partial<Record<FieldType, number>> = {
  INT8: 1, UINT8: 1, INT16: 2, UINT16: 2, INT32: 4, UINT32: 4, INT64: 8, UINT64: 8, FLOAT: 4, DOUBLE: 8,
};

/** Append one fixed-width scalar, little-endian; 64-bit integers exact. */
export function writeFixed(sink: FileSink, type: FieldType, v: Scalar): void {
  const width = FIXED_WIDTH[type]!;
  sink.ensure(width);
  const b = sink.buf;
  const at = sink.length;
  switch (type) {
    case 'INT8': b.writeInt8(Number(v), at); break;
    case 'UINT8': b.writeUInt8(Number(v), at); break;
    case 'INT16': b.writeInt16LE(Number(v), at); break;
    case 'UINT16': b.writeUInt16LE(Number(v), at); break;
    case 'INT32': b.writeInt32LE(Number(v), at); break;
    case 'UINT32': b.writeUInt32LE(Number(v), at); break;
    case 'INT64': b.writeBigInt64LE(BigInt(v), at); break;
    case 'UINT64': b.writeBigUInt64LE(BigInt(v), at); break;
    case 'FLOAT': b.writeFloatLE(Number(v), at); break;
    case 'DOUBLE': b.writeDoubleLE(Number(v), at); break;
    default: throw new Error(`not a fixed-width type: ${type}`);
  }
  sink.length += width;
}

/**
 * One attribute column (docs-format.md "attribute"): single-value fixed-width types as a dense
 * little-endian array in `data`; strings and multi-values as `data` plus `offset` ((n+1) uint64).
 */
export class AttributeWriter {
  private readonly data: FileSink;
  private readonly offsets: FileSink | undefined;
  private readonly fixed: boolean;

  constructor(dir: string, readonly field: FieldSchema) {
    this.fixed = !field.multiValue && FIXED_WIDTH[field.type] !== undefined;
    this.data = new FileSink(path.join(dir, 'data'));
    this.offsets = this.fixed ? undefined : new FileSink(path.join(dir, 'offset'));
    this.offsets?.uint64(0);
  }

  add(value: FieldValue): void {
    const f = this.field;
    if (this.fixed) {
      writeFixed(this.data, f.type, value as Scalar);
    } else if (f.multiValue) {
      const values = value as readonly Scalar[];
      this.data.varint(values.length);
      for (const v of values) this.scalar(v);
    } else {
      this.data.utf8(String(value));
    }
    this.offsets?.uint64(this.data.position);
    this.data.maybeFlush();
    this.offsets?.maybeFlush();
  }

  private scalar(v: Scalar): void {
    if (FIXED_WIDTH[this.field.type] !== undefined) writeFixed(this.data, this.field.type, v);
    else {
      const s = String(v);
      this.data.varint(Buffer.byteLength(s));
      this.data.utf8(s);
    }
  }

  close(): void {
    this.data.close();
    this.offsets?.close();
  }
}
