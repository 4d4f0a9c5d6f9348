import fs from 'node:fs';
import path from 'node:path';
import type { PartitionInfo } from '../index/layout.ts';
import { SUMMARY_COMPRESSORS, type FieldSchema, type IndexSchema, type TableSchema } from '../index/schema/model.ts';
import { READABLE_INDEX_FORMATS } from '../index/segment/writer.ts';
import { AttributeReader } from './attribute-reader.ts';
import { readJsonFile } from './bytes.ts';
import { InvertedIndexReader } from './inverted-reader.ts';
import { PrimaryKeyReader } from './pk-reader.ts';
import { SummaryReader } from './summary-reader.ts';

/** Index types with a dictionary + posting file. */
export const INVERTED_TYPES: ReadonlySet<string> = new Set(['TEXT', 'PACK', 'STRING', 'NUMBER']);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Read and sanity-check a partition's `schema.json` (bsctl's typed TableSchema). */
export function readPartitionSchema(file: string): TableSchema {
  const raw = readJsonFile(file);
  const ok =
    isObject(raw) &&
    Array.isArray(raw.fields) &&
    Array.isArray(raw.indexes) &&
    Array.isArray(raw.attributes) &&
    Array.isArray(raw.summaryFields) &&
    typeof raw.primaryKey === 'string' &&
    typeof raw.primaryKeyIndex === 'string';
  if (!ok) throw new Error(`${file}: not a bsctl table schema (fields, indexes, attributes, summaryFields, primaryKey expected)`);
  if (raw.summaryCompression !== undefined && !SUMMARY_COMPRESSORS.some((c) => c === raw.summaryCompression)) {
    throw new Error(`${file}: summaryCompression ${JSON.stringify(raw.summaryCompression)} is not one this bsctl reads (${SUMMARY_COMPRESSORS.join(', ')})`);
  }
  return raw as unknown as TableSchema;
}

/**
 * One published partition (`partition_<from>_<to>/`) of a bsctl full index (bsctl-index-1 or -2): its version,
 * schema and single segment. Structures are opened lazily and cached.
 */
export class PartitionReader {
  readonly name: string;
  readonly from: number;
  readonly to: number;
  readonly dir: string;
  readonly version: number;
  readonly docCount: number;
  readonly schema: TableSchema;
  readonly segmentDir: string;
  /** Its index_format_version (one of READABLE_INDEX_FORMATS). */
  readonly format: string;
  private readonly fields: Map<string, FieldSchema>;
  private readonly attributes = new Map<string, AttributeReader>();
  private readonly inverted = new Map<string, InvertedIndexReader>();
  private summaryReader: SummaryReader | null | undefined;
  private pkReader: PrimaryKeyReader | undefined;

  constructor(info: PartitionInfo) {
    if (info.version === undefined) throw new Error(`${info.dir}: partition has no published version.N`);
    this.name = info.name;
    this.from = info.from;
    this.to = info.to;
    this.dir = info.dir;
    this.version = info.version;
    const fmtFile = path.join(info.dir, 'index_format_version');
    const fmt = readJsonFile(fmtFile);
    const format = isObject(fmt) ? fmt.index_format_version : fmt;
    if (typeof format !== 'string' || !READABLE_INDEX_FORMATS.includes(format)) {
      throw new Error(`${fmtFile}: unsupported index format ${JSON.stringify(format)} (this bsctl reads ${READABLE_INDEX_FORMATS.join(', ')})`);
    }
    this.format = format;
    const versionFile = path.join(info.dir, `version.${info.version}`);
    const version = readJsonFile(versionFile);
    const segments = isObject(version) ? version.segments : undefined;
    if (!Array.isArray(segments) || segments.length !== 1 || !Number.isInteger(segments[0])) {
      throw new Error(`${versionFile}: expected exactly one segment (a full build's), got ${JSON.stringify(segments)}`);
    }
    this.segmentDir = path.join(info.dir, `segment_${segments[0] as number}_level_0`);
    const segInfoFile = path.join(this.segmentDir, 'segment_info');
    const segInfo = readJsonFile(segInfoFile);
    const docCount = isObject(segInfo) ? segInfo.DocCount : undefined;
    if (typeof docCount !== 'number' || !Number.isInteger(docCount) || docCount < 0) throw new Error(`${segInfoFile}: DocCount missing or invalid`);
    this.docCount = docCount;
    this.schema = readPartitionSchema(path.join(info.dir, 'schema.json'));
    this.fields = new Map(this.schema.fields.map((f) => [f.name, f]));
  }

  /** The attribute column of `field` (must be an attribute of the schema). */
  attribute(field: string): AttributeReader {
    let r = this.attributes.get(field);
    if (!r) {
      const f = this.fields.get(field);
      if (!f || !this.schema.attributes.includes(field)) throw new Error(`${this.name}: ${field} is not an attribute`);
      r = new AttributeReader(path.join(this.segmentDir, 'attribute', field), f, this.docCount);
      this.attributes.set(field, r);
    }
    return r;
  }

  /** The summary store, or undefined when the schema has no summary fields. */
  summary(): SummaryReader | undefined {
    if (this.summaryReader === undefined) {
      this.summaryReader = this.schema.summaryFields.length ? new SummaryReader(path.join(this.segmentDir, 'summary'), this.schema, this.docCount) : null;
    }
    return this.summaryReader ?? undefined;
  }

  /** The primary-key index. */
  primaryKey(): PrimaryKeyReader {
    this.pkReader ??= new PrimaryKeyReader(path.join(this.segmentDir, 'index', this.schema.primaryKeyIndex), this.docCount);
    return this.pkReader;
  }

  /** The inverted index `index` (TEXT, PACK, STRING or NUMBER). */
  invertedIndex(index: IndexSchema): InvertedIndexReader {
    if (!INVERTED_TYPES.has(index.type)) throw new Error(`${this.name}: index ${index.name} (${index.type}) has no dictionary/postings`);
    let r = this.inverted.get(index.name);
    if (!r) {
      const entries = this.format === 'bsctl-index-1' ? 'v1' : 'v2';
      r = new InvertedIndexReader(path.join(this.segmentDir, 'index', index.name), this.docCount, index.type === 'PACK', entries);
      this.inverted.set(index.name, r);
    }
    return r;
  }

  /** Bytes of every file under the partition directory. */
  sizeBytes(): number {
    return dirBytes(this.dir);
  }
}

/** Total size of the regular files under `dir`, recursively. */
export function dirBytes(dir: string): number {
  let total = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) total += dirBytes(p);
    else if (e.isFile()) total += fs.statSync(p).size;
  }
  return total;
}
