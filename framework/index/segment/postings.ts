import fs from 'node:fs';
import path from 'node:path';
import { ByteSink, readVarint } from '../../shuffle/bytes.ts';
import { MultiPassMerger } from '../../shuffle/multi-pass-merge.ts';
import { DEFAULT_SORT_FACTOR } from '../../shuffle/sort-factor.ts';
import { RunWriter } from '../../shuffle/run-writer.ts';
import type { Segment } from '../../shuffle/segment.ts';
import { FileSink } from './file-sink.ts';

/** One inverted index being built: its directory and whether postings carry a field map (PACK). */
export interface InvertedTarget {
  readonly dir: string;
  readonly withFieldMap: boolean;
}

/**
 * Append postings (flattened docid, tf[, fieldMap] entries) in the final posting format: docid
 * deltas (the first relative to `prevDocId`), then the other values.
 */
function encodeEntries(sink: ByteSink, list: readonly number[], stride: number, prevDocId: number): void {
  let prev = prevDocId;
  for (let i = 0; i < list.length; i += stride) {
    sink.varint(list[i]! - prev);
    prev = list[i]!;
    for (let j = 1; j < stride; j++) sink.varint(list[i + j]!);
  }
}

/**
 * Builds every inverted index of a segment with bounded memory: postings accumulate per term in a
 * hash table; past the budget they spill as a run sorted by (index, term bytes); at the end runs are
 * merged (docids only grow, so a term's postings concatenate in run order) into, per index, a sorted
 * `dictionary` and a `posting` file.
 */
export class PostingsBuilder {
  /** Term → id, valid until the next spill (so memory stays bounded however large the vocabulary). */
  private ids = new Map<string, number>();
  private termOf: string[] = [];
  /** Per index, per term id: flattened postings (docid, tf[, fieldMap])*. */
  private lists: (number[] | undefined)[][];
  private bytes = 0;
  private readonly runs: Segment[] = [];

  constructor(
    private readonly targets: readonly InvertedTarget[],
    private readonly scratch: string,
    private readonly budgetBytes: number,
  ) {
    // Run keys start with one byte holding index + 1.
    if (targets.length > 254) throw new Error(`a segment supports at most 254 inverted indexes (the schema has ${targets.length})`);
    this.lists = targets.map(() => []);
  }

  /** The id of a term in the current run (call `add` with it before anything can spill). */
  termId(term: string): number {
    let id = this.ids.get(term);
    if (id === undefined) {
      id = this.termOf.length;
      this.ids.set(term, id);
      this.termOf.push(term);
      this.bytes += term.length * 2 + 120;
    }
    return id;
  }

  /** Record that term `termId` occurs `tf` times in `docId` for index number `index` (field map for PACK). */
  add(index: number, termId: number, docId: number, tf: number, fieldMap = 0): void {
    const lists = this.lists[index]!;
    let list = lists[termId];
    if (list === undefined) {
      lists[termId] = list = [];
      this.bytes += 64;
    }
    if (this.targets[index]!.withFieldMap) {
      list.push(docId, tf, fieldMap);
      this.bytes += 36; // 3 elements of 8 bytes, plus array growth slack
    } else {
      list.push(docId, tf);
      this.bytes += 24;
    }
  }

  /** Spill if over budget; call between documents (term ids are reset by a spill). */
  maybeSpill(): void {
    if (this.bytes >= this.budgetBytes) this.spill();
  }

  /** Buffered terms as (index byte + term UTF-8, postings), sorted by those bytes. */
  private sortedEntries(): [Buffer, number[]][] {
    const entries: [Buffer, number[]][] = [];
    this.lists.forEach((lists, index) => {
      lists.forEach((list, termId) => {
        if (list === undefined) return;
        const term = this.termOf[termId]!;
        const key = Buffer.allocUnsafe(1 + Buffer.byteLength(term));
        key[0] = index + 1;
        key.write(term, 1, 'utf8');
        entries.push([key, list]);
      });
    });
    entries.sort((a, b) => Buffer.compare(a[0], b[0]));
    return entries;
  }

  private get empty(): boolean {
    return this.termOf.length === 0;
  }

  private reset(): void {
    this.ids = new Map();
    this.termOf = [];
    this.lists = this.targets.map(() => []);
    this.bytes = 0;
  }

  private spill(): void {
    fs.mkdirSync(this.scratch, { recursive: true });
    const out = new RunWriter(path.join(this.scratch, `postings_${this.runs.length}.run`));
    // Each run value is a chunk of final-format postings behind a header (last docid, count), so
    // merging runs re-encodes only each chunk's first docid and copies the rest.
    const value = new ByteSink(4096);
    for (const [key, list] of this.sortedEntries()) {
      const stride = this.targets[key[0]! - 1]!.withFieldMap ? 3 : 2;
      value.reset();
      value.varint(list[list.length - stride]!);
      value.varint(list.length / stride);
      encodeEntries(value, list, stride, 0);
      out.add(key, value.buf.subarray(0, value.length));
    }
    out.endPartition();
    this.runs.push(out.close()[0]!);
    this.reset();
  }

  /** Write the dictionaries and postings; removes the spill runs. */
  close(): void {
    const writers = this.targets.map((t) => ({ t, dict: undefined as FileSink | undefined, post: undefined as FileSink | undefined }));
    const open = (index: number): { dict: FileSink; post: FileSink; stride: number } => {
      const w = writers[index]!;
      w.dict ??= new FileSink(path.join(w.t.dir, 'dictionary'));
      w.post ??= new FileSink(path.join(w.t.dir, 'posting'));
      return { dict: w.dict, post: w.post, stride: w.t.withFieldMap ? 3 : 2 };
    };
    const entry = (key: Buffer, df: number, start: number, dict: FileSink, post: FileSink): void => {
      post.maybeFlush();
      dict.varint(key.length - 1);
      dict.bytes(key, 1);
      dict.varint(df);
      dict.varint(start);
      dict.varint(post.position - start);
      dict.maybeFlush();
    };
    if (this.runs.length === 0) {
      for (const [key, list] of this.sortedEntries()) {
        const { dict, post, stride } = open(key[0]! - 1);
        const start = post.position;
        encodeEntries(post, list, stride, 0);
        entry(key, list.length / stride, start, dict, post);
      }
    } else {
      if (!this.empty) this.spill();
      // At most DEFAULT_SORT_FACTOR runs open at once (earlier passes merge consecutive runs, keeping run order).
      const merger = new MultiPassMerger(this.runs, { factor: DEFAULT_SORT_FACTOR, dir: this.scratch, prefix: 'postings-merge' });
      let has = merger.next();
      while (has) {
        const key = Buffer.from(merger.key);
        const { dict, post } = open(key[0]! - 1);
        const start = post.position;
        let df = 0;
        let prevLast = 0;
        while (has && merger.key.equals(key)) {
          const v = merger.value;
          const pos = { at: 0 };
          const runs = `postings runs in ${this.scratch}`;
          const last = readVarint(v, pos, runs);
          df += readVarint(v, pos, runs);
          const first = readVarint(v, pos, runs);
          post.varint(first - prevLast);
          post.bytes(v, pos.at);
          prevLast = last;
          has = merger.next();
        }
        entry(key, df, start, dict, post);
      }
      merger.close();
      for (const r of this.runs) fs.rmSync(r.file, { force: true });
    }
    for (const [i, w] of writers.entries()) {
      // An index with no terms still gets (empty) files.
      if (!w.dict) open(i);
      w.dict!.close();
      w.post!.close();
    }
  }
}
