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

/**
 * Version of the byte formats in docs/index-format.md this bsctl writes; it reads the older one too.
 * Version 2: posting entries fold "tf = 1" into the docid delta, and summaries may be block-compressed
 * (the schema's summary `compress` / `compress_type`).
 */
export const INDEX_FORMAT_VERSION = 'bsctl-index-2';
export const READABLE_INDEX_FORMATS: readonly string[] = ['bsctl-index-1', INDEX_FORMAT_VERSION];
export const SEGMENT_DIR = 'segment_0_level_0';

export interface SegmentWriterOptions {
  /** Memory for in-flight postings before they spill to disk, bytes. */
  readonly postingsBudget: number;
  /** Local scratch directory for postings runs. */
  readonly scratch: string;
}

const INVERTED = new Set(['TEXT', 'PACK', 'STRING', 'NUMBER']);

/** The term ids one field value gives an index: analyzed tokens (TEXT, PACK) or whole values. */
function termIdsOf(index: IndexSchema, value: FieldValue, analyzer: Analyzer | undefined, postings: PostingsBuilder): number[] {
  const values: readonly Scalar[] = Array.isArray(value) ? value : [value as Scalar];
  const out: number[] = [];
  for (const v of values) {
    const s = String(v);
    if (analyzer) for (const t of analyzer.tokenize(s)) out.push(postings.termId(t));
    else if (!(index.type === 'STRING' && s === '')) out.push(postings.termId(s));
  }
  return out;
}

/** PACK fields (at most 32) are told apart by the low 5 bits of `termId * 32 + field`. */
const FIELD_BITS = 32;

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
  /** Per index and field: the slot of its (field, analyzer) pair, so each is tokenized once per doc. */
  private readonly slots: (readonly number[])[];
  private readonly slotCount: number;
  /** Scratch for one index's term ids of one document (typed arrays sort natively). */
  private scratch = new Float64Array(1024);
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
    const slotOf = new Map<string, number>();
    this.slots = this.inverted.map((index, i) =>
      index.fields.map((f, j) => {
        const key = `${f.field}\u0000${this.analyzers[i]![j]?.name ?? index.type}`;
        if (!slotOf.has(key)) slotOf.set(key, slotOf.size);
        return slotOf.get(key)!;
      }),
    );
    this.slotCount = slotOf.size;
    fs.mkdirSync(path.join(this.segment, 'deletionmap'), { recursive: true });
  }

  add(pk: string, doc: Readonly<Record<string, FieldValue>>): void {
    const docId = this.docCount++;
    this.pk.add(pk, docId);
    for (const a of this.attributes) a.add(doc[a.field.name]!);
    this.summary?.add(doc);
    // Each field is tokenized once per analyzer, however many indexes cover it; term frequencies
    // come from sorting the document's term ids.
    const idCache = new Array<number[] | undefined>(this.slotCount);
    this.inverted.forEach((index, i) => {
      const pack = index.type === 'PACK';
      let n = 0;
      const push = (v: number): void => {
        if (n === this.scratch.length) {
          const bigger = new Float64Array(n * 2);
          bigger.set(this.scratch);
          this.scratch = bigger;
        }
        this.scratch[n++] = v;
      };
      index.fields.forEach((f, j) => {
        const value = doc[f.field];
        if (value === undefined) return;
        const slot = this.slots[i]![j]!;
        let fieldIds = idCache[slot];
        if (!fieldIds) idCache[slot] = fieldIds = termIdsOf(index, value, this.analyzers[i]![j], this.postings);
        if (pack) for (const id of fieldIds) push(id * FIELD_BITS + j);
        else for (const id of fieldIds) push(id);
      });
      const ids = this.scratch.subarray(0, n).sort();
      for (let k = 0; k < ids.length; ) {
        const termId = pack ? Math.floor(ids[k]! / FIELD_BITS) : ids[k]!;
        let tf = 0;
        let fieldMap = 0;
        while (k < ids.length && (pack ? Math.floor(ids[k]! / FIELD_BITS) : ids[k]!) === termId) {
          if (pack) fieldMap |= 1 << ids[k]! % FIELD_BITS;
          tf++;
          k++;
        }
        this.postings.add(i, termId, docId, tf, fieldMap);
      }
    });
    this.postings.maybeSpill();
  }

  /** Give up: close every open file (the caller removes the directories). */
  abort(): void {
    for (const c of [this.pk, ...this.attributes, this.summary]) {
      try {
        c?.close();
      } catch {
        // already closed or unwritable: nothing more to release
      }
    }
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
