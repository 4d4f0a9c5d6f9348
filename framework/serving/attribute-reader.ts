import path from 'node:path';
import { FIXED_WIDTH } from '../index/segment/attribute.ts';
import type { FieldSchema, FieldType } from '../index/schema/model.ts';
import type { FieldValue, Scalar } from '../index/values.ts';
import { OffsetTable, readFileOrThrow, readVarint } from './bytes.ts';

/** Read one fixed-width value (docs/index-format.md "Attributes"); 64-bit integers as exact bigint. */
export function readFixed(buf: Buffer, at: number, type: FieldType): Scalar {
  switch (type) {
    case 'INT8': return buf.readInt8(at);
    case 'UINT8': return buf.readUInt8(at);
    case 'INT16': return buf.readInt16LE(at);
    case 'UINT16': return buf.readUInt16LE(at);
    case 'INT32': return buf.readInt32LE(at);
    case 'UINT32': return buf.readUInt32LE(at);
    case 'INT64': return buf.readBigInt64LE(at);
    case 'UINT64': return buf.readBigUInt64LE(at);
    case 'FLOAT': return buf.readFloatLE(at);
    case 'DOUBLE': return buf.readDoubleLE(at);
    default: throw new Error(`not a fixed-width type: ${type}`);
  }
}

/**
 * One attribute column of a segment (`attribute/<field>/data [offset]`), read fully into memory on
 * construction and decoded per document on access.
 */
export class AttributeReader {
  private readonly data: Buffer;
  private readonly offsets: OffsetTable | undefined;
  private readonly width: number | undefined;
  private readonly dataFile: string;

  constructor(dir: string, readonly field: FieldSchema, readonly docCount: number) {
    this.dataFile = path.join(dir, 'data');
    this.data = readFileOrThrow(this.dataFile);
    this.width = FIXED_WIDTH[field.type];
    if (!field.multiValue && this.width !== undefined) {
      if (this.data.length !== docCount * this.width) {
        throw new Error(`${this.dataFile}: expected ${docCount * this.width} bytes (${docCount} × ${field.type}), found ${this.data.length}`);
      }
      this.offsets = undefined;
    } else {
      this.offsets = new OffsetTable(path.join(dir, 'offset'), docCount, this.data.length);
    }
  }

  /** The typed value of document `docId` (multi-value: an array). */
  get(docId: number): FieldValue {
    if (docId < 0 || docId >= this.docCount) throw new RangeError(`${this.dataFile}: docid ${docId} out of range`);
    if (!this.offsets) return readFixed(this.data, docId * this.width!, this.field.type);
    const [start, end] = this.offsets.range(docId);
    if (!this.field.multiValue) return this.data.toString('utf8', start, end);
    const pos = { at: start };
    const count = readVarint(this.data, pos, this.dataFile);
    const out: Scalar[] = [];
    for (let i = 0; i < count; i++) {
      if (this.width !== undefined) {
        out.push(readFixed(this.data, pos.at, this.field.type));
        pos.at += this.width;
      } else {
        const len = readVarint(this.data, pos, this.dataFile);
        out.push(this.data.toString('utf8', pos.at, pos.at + len));
        pos.at += len;
      }
    }
    if (pos.at !== end) throw new Error(`${this.dataFile}: document ${docId}'s value has ${end - pos.at} stray bytes`);
    return out;
  }
}
