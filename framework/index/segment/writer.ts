import fs from 'node:fs';
import path from 'node:path';
import { getAnalyzer } from '../analyzers/registry.ts';
import type { Analyzer } from '../analyzers/types.ts';
import type { IndexSchema, TableSchema } from '../schema/model.ts';
import type { FieldValue, Scalar } from '../values.ts';
import { AttributeWriter } from './attribute.ts';
import { PostingsBuilder } from './postings.ts';
import { PrimaryKeyWriter } from './primary-key.ts';
import { SummaryWriter } from './summary.ts';

/** Version of the byte formats in docs/index-format.md. */
export const INDEX_FORMAT_VERSION = 'bsctl-index-1';
export const SEGMENT_DIR = 'segment_0_level_0';

export interface SegmentWriterOptions {
  /** Memory for in-flight postings before they spill to disk, bytes. */
  readonly postingsBudget: number;
  /** Local scratch directory for postings runs. */
  readonly scratch: string;
}

const INVERTED = new Set(['TEXT', 'PACK', 'STRING', 'NUMBER']);

/** Term frequencies of one field value for an index. */
function termsOf(index: IndexSchema, value: FieldValue, analyzer: Analyzer | undefined, tf: Map<string, number>): void {
  const values: readonly Scalar[] = Array.isArray(value) ? value : [value as Scalar];
  for (const v of values) {
    const tokens = analyzer ? analyzer.tokenize(String(v)) : index.type === 'STRING' && String(v) === '' ? [] : [String(v)];
    for (const t of tokens) tf.set(t, (tf.get(t) ?? 0) + 1);
  }
}

/**
 * Writes one full segment of one partition, documents added in primary-key order (docid = order of
 * addition): primary-key index, inverted indexes, attributes and summary; see docs/index-format.md.
 */
export class SegmentWriter {
  private readonly segment: string;
  private readonly pk: PrimaryKeyWriter;
  private readonly attributes: AttributeWriter[];
  private readonly summary: SummaryWriter | undefined;
  private readonly inverted: IndexSchema[];
  private readonly analyzers: (readonly (Analyzer | undefined)[])[];
  private readonly postings: PostingsBuilder;
  docCount = 0;

  constructor(
    readonly partitionDir: string,
    private readonly schema: TableSchema,
    options: SegmentWriterOptions,
  ) {
    this.segment = path.join(partitionDir, SEGMENT_DIR);
    const byName = new Map(schema.fields.map((f) => [f.name, f]));
    this.pk = new PrimaryKeyWriter(path.join(this.segment, 'index', schema.primaryKeyIndex));
    this.attributes = schema.attributes.map((a) => new AttributeWriter(path.join(this.segment, 'attribute', a), byName.get(a)!));
    this.summary = schema.summaryFields.length ? new SummaryWriter(path.join(this.segment, 'summary'), schema) : undefined;
    this.inverted = schema.indexes.filter((i) => INVERTED.has(i.type));
    this.analyzers = this.inverted.map((i) =>
      i.fields.map((f) => {
        const field = byName.get(f.field)!;
        return i.type === 'TEXT' || i.type === 'PACK' ? getAnalyzer(field.analyzer ?? 'simple_analyzer') : undefined;
      }),
    );
    this.postings = new PostingsBuilder(
      this.inverted.map((i) => ({ dir: path.join(this.segment, 'index', i.name), withFieldMap: i.type === 'PACK' })),
      options.scratch,
      options.postingsBudget,
    );
    fs.mkdirSync(path.join(this.segment, 'deletionmap'), { recursive: true });
  }

  add(pk: string, doc: Readonly<Record<string, FieldValue>>): void {
    const docId = this.docCount++;
    this.pk.add(pk, docId);
    for (const a of this.attributes) a.add(doc[a.field.name]!);
    this.summary?.add(doc);
    this.inverted.forEach((index, i) => {
      const tf = new Map<string, number>();
      const fieldMaps = new Map<string, number>();
      index.fields.forEach((f, j) => {
        const value = doc[f.field];
        if (value === undefined) return;
        const before = new Map(tf);
        termsOf(index, value, this.analyzers[i]![j], tf);
        if (index.type === 'PACK') for (const t of tf.keys()) if (tf.get(t) !== before.get(t)) fieldMaps.set(t, (fieldMaps.get(t) ?? 0) | (1 << j));
      });
      for (const [term, n] of tf) this.postings.add(i, term, docId, n, fieldMaps.get(term) ?? 0);
    });
  }

  /** Finish the segment, then publish the partition: `version.0` is written last (temp + rename). */
  close(): void {
    this.pk.close();
    for (const a of this.attributes) a.close();
    this.summary?.close();
    this.postings.close();
    fs.writeFileSync(path.join(this.segment, 'segment_info'), `${JSON.stringify({ DocCount: this.docCount, Format: INDEX_FORMAT_VERSION }, null, 2)}\n`);
    fs.writeFileSync(path.join(this.partitionDir, 'schema.json'), `${JSON.stringify(this.schema, null, 2)}\n`);
    fs.writeFileSync(path.join(this.partitionDir, 'index_format_version'), `${JSON.stringify({ index_format_version: INDEX_FORMAT_VERSION }, null, 2)}\n`);
    const version = { versionid: 0, segments: [0], timestamp: Date.now(), doc_count: this.docCount, format: INDEX_FORMAT_VERSION };
    const tmp = path.join(this.partitionDir, '.version.0.tmp');
    fs.writeFileSync(tmp, `${JSON.stringify(version, null, 2)}\n`);
    fs.renameSync(tmp, path.join(this.partitionDir, 'version.0'));
  }
}
