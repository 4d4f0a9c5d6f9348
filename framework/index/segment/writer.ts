import fs from 'node:fs';
import path from 'node:path';
import { getAnalyzer } from '../analyzers/registry.ts';
import type { Analyzer } from '../analyzers/types.ts';
import type { IndexSchema, TableSchema } from '../schema/model.ts';
import type { FieldValue, Scalar } from '../values.ts';
import { AttributeWriter } from './attribute.ts';
import { grown } from './grow.ts';
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

// Where pushTermId puts the ids of the value termIdsOf is analysing: module-level, so that no closure is
// made per value (tsx's keepNames turns each closure made into a defineProperty call).
let termOut: number[] = [];
let termPostings: PostingsBuilder | undefined;
function pushTermId(s: string, start: number, end: number): void {
  termOut.push(termPostings!.termIdOf(s, start, end));
}

/** The term ids one field value gives an index: analyzed tokens (TEXT, PACK) or whole values. */
function termIdsOf(index: IndexSchema, value: FieldValue, analyzer: Analyzer | undefined, postings: PostingsBuilder): number[] {
  const values: readonly Scalar[] = Array.isArray(value) ? value : [value as Scalar];
  const out: number[] = [];
  termOut = out;
  termPostings = postings;
  try {
    for (const v of values) {
      const s = String(v);
      if (analyzer?.eachTerm) analyzer.eachTerm(s, pushTermId);
      else if (analyzer) for (const t of analyzer.tokenize(s)) out.push(postings.termId(t));
      else if (!(index.type === 'STRING' && s === '')) out.push(postings.termId(s));
    }
  } finally {
    // Not kept past the call: the builder (its postings pool) must not outlive its segment.
    termPostings = undefined;
    termOut = [];
  }
  return out;
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
  /** Per index and field: the slot of its (field, analyzer) pair, so each is tokenized once per doc. */
  private readonly slots: (readonly number[])[];
  private readonly slotCount: number;
  /** Per term id: its frequency and PACK field map in the current document and index (0 between). */
  private tf = new Int32Array(1024);
  private fieldMaps = new Int32Array(1024);
  /** The term ids of the current document and index with a non-zero count. */
  private touched = new Int32Array(1024);
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
    // Each field is tokenized once per analyzer, however many indexes cover it. Term frequencies (and
    // PACK field maps) are counted in arrays indexed by term id; `touched` lists the ids to emit and reset.
    const idCache = new Array<number[] | undefined>(this.slotCount);
    for (let i = 0; i < this.inverted.length; i++) {
      const index = this.inverted[i]!;
      const pack = index.type === 'PACK';
      let n = 0;
      for (let j = 0; j < index.fields.length; j++) {
        const value = doc[index.fields[j]!.field];
        if (value === undefined) continue;
        const slot = this.slots[i]![j]!;
        let fieldIds = idCache[slot];
        if (!fieldIds) idCache[slot] = fieldIds = termIdsOf(index, value, this.analyzers[i]![j], this.postings);
        this.ensureCounters(this.postings.termCount, n + fieldIds.length);
        const { tf, fieldMaps, touched } = this;
        const bit = 1 << j;
        for (let k = 0; k < fieldIds.length; k++) {
          const id = fieldIds[k]!;
          const count = tf[id]!;
          tf[id] = count + 1;
          if (count === 0) touched[n++] = id;
          if (pack) fieldMaps[id] = fieldMaps[id]! | bit;
        }
      }
      const { tf, fieldMaps, touched } = this;
      for (let k = 0; k < n; k++) {
        const id = touched[k]!;
        this.postings.add(i, id, docId, tf[id]!, fieldMaps[id]!);
        tf[id] = 0;
        fieldMaps[id] = 0;
      }
    }
    this.postings.maybeSpill();
  }

  /** Counters for `terms` term ids, and room for `touched` ids of one document. */
  private ensureCounters(terms: number, touched: number): void {
    if (this.tf.length < terms) {
      this.tf = grown(this.tf, terms);
      this.fieldMaps = grown(this.fieldMaps, terms);
    }
    this.touched = grown(this.touched, touched);
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
