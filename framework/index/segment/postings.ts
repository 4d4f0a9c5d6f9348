import fs from 'node:fs';
import path from 'node:path';
import { ByteSink, readVarint } from '../../shuffle/bytes.ts';
import { MultiPassMerger } from '../../shuffle/multi-pass-merge.ts';
import { DEFAULT_SORT_FACTOR } from '../../shuffle/sort-factor.ts';
import { RunWriter } from '../../shuffle/run-writer.ts';
import type { Segment } from '../../shuffle/segment.ts';
import { FileSink } from './file-sink.ts';
import { grown } from './grow.ts';
import { SlicePool } from './slice-pool.ts';
import { StringTable } from '../../shuffle/string-table.ts';

/** One inverted index being built: its directory and whether postings carry a field map (PACK). */
export interface InvertedTarget {
  readonly dir: string;
  readonly withFieldMap: boolean;
}

/**
 * Builds every inverted index of a segment with bounded memory: postings accumulate per term in a
 * hash table; past the budget they spill as a run sorted by (index, term bytes); at the end runs are
 * merged (docids only grow, so a term's postings concatenate in run order) into, per index, a sorted
 * `dictionary` and a `posting` file.
 */
export class PostingsBuilder {
  /**
   * Term → id (its entry number: ids are handed out in insertion order), valid until the next spill so
   * memory stays bounded however large the vocabulary. A StringTable: lookups of fresh token strings
   * are its hot path, and it is faster there than a Map.
   */
  private ids = new StringTable<number>();
  /**
   * Postings of this run in the final entry format (docs/index-format.md "posting"): `varint
   * (docidDelta * 2 + (tf === 1))`, `varint tf` only when tf > 1, then for PACK `varint fieldMap`; the
   * first delta relative to docid 0. One stream per (term id, index): stream termId * indexes + index,
   * with its last docid and document count beside it.
   */
  private pool = new SlicePool();
  private last = new Int32Array(0);
  private df = new Int32Array(0);
  private readonly runs: Segment[] = [];

  constructor(
    private readonly targets: readonly InvertedTarget[],
    private readonly scratch: string,
    private readonly budgetBytes: number,
  ) {
    // Run keys start with one byte holding index + 1.
    if (targets.length > 254) throw new Error(`a segment supports at most 254 inverted indexes (the schema has ${targets.length})`);
  }

  /** Term ids handed out in the current run (ids are 0 .. termCount-1). */
  get termCount(): number {
    return this.ids.size;
  }

  /** The id of a term in the current run (call `add` with it before anything can spill). */
  termId(term: string): number {
    return this.termIdOf(term, 0, term.length);
  }

  /** termId(s.slice(start, end)): the slice is made only for a new term. */
  termIdOf(s: string, start: number, end: number): number {
    const hash = StringTable.hashOf(s, start, end);
    const found = this.ids.findOf(s, start, end, hash);
    if (found >= 0) return found;
    const id = this.ids.size;
    this.ids.insert(s.slice(start, end), hash, found, id);
    const streams = (id + 1) * this.targets.length;
    if (streams > this.last.length) {
      this.pool.ensureStreams(streams);
      this.last = grown(this.last, streams);
      this.df = grown(this.df, streams);
    }
    return id;
  }

  /** Record that term `termId` occurs `tf` times in `docId` for index number `index` (field map for PACK). */
  add(index: number, termId: number, docId: number, tf: number, fieldMap = 0): void {
    const s = termId * this.targets.length + index;
    const pool = this.pool;
    pool.varint(s, (docId - this.last[s]!) * 2 + (tf === 1 ? 1 : 0));
    if (tf !== 1) pool.varint(s, tf);
    if (this.targets[index]!.withFieldMap) pool.varint(s, fieldMap);
    this.last[s] = docId;
    this.df[s]!++;
  }

  /** Memory held by this run: postings pages, per-stream state and the term table. */
  private get bytes(): number {
    return this.pool.bytes + this.last.length * 8 + this.ids.bytes;
  }

  /** Spill if over budget; call between documents (term ids are reset by a spill). */
  maybeSpill(): void {
    if (this.bytes >= this.budgetBytes) this.spill();
  }

  /** Buffered (term, index) streams as (index byte + term UTF-8, stream), sorted by those bytes. */
  private sortedEntries(): [Buffer, number][] {
    const entries: [Buffer, number][] = [];
    const n = this.targets.length;
    this.ids.keys().forEach((term, termId) => {
      const length = Buffer.byteLength(term);
      for (let index = 0; index < n; index++) {
        const s = termId * n + index;
        if (this.df[s] === 0) continue;
        const key = Buffer.allocUnsafe(1 + length);
        key[0] = index + 1;
        key.write(term, 1, 'utf8');
        entries.push([key, s]);
      }
    });
    entries.sort((a, b) => Buffer.compare(a[0], b[0]));
    return entries;
  }

  private get empty(): boolean {
    return this.ids.size === 0;
  }

  private reset(): void {
    this.ids = new StringTable<number>();
    this.pool.reset();
    this.last = new Int32Array(0);
    this.df = new Int32Array(0);
  }

  private spill(): void {
    fs.mkdirSync(this.scratch, { recursive: true });
    const out = new RunWriter(path.join(this.scratch, `postings_${this.runs.length}.run`));
    // Each run value is a chunk of final-format postings behind a header (last docid, count), so
    // merging runs re-encodes only each chunk's first docid and copies the rest.
    const value = new ByteSink(4096);
    for (const [key, s] of this.sortedEntries()) {
      value.reset();
      value.varint(this.last[s]!);
      value.varint(this.df[s]!);
      this.pool.read(s, (b) => value.bytes(b));
      out.add(key, value.buf.subarray(0, value.length));
    }
    out.endPartition();
    this.runs.push(out.close()[0]!);
    this.reset();
  }

  /** Write the dictionaries and postings; removes the spill runs. */
  close(): void {
    const writers = this.targets.map((t) => ({ t, dict: undefined as FileSink | undefined, post: undefined as FileSink | undefined }));
    const open = (index: number): { dict: FileSink; post: FileSink } => {
      const w = writers[index]!;
      w.dict ??= new FileSink(path.join(w.t.dir, 'dictionary'));
      w.post ??= new FileSink(path.join(w.t.dir, 'posting'));
      return { dict: w.dict, post: w.post };
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
      for (const [key, s] of this.sortedEntries()) {
        const { dict, post } = open(key[0]! - 1);
        const start = post.position;
        this.pool.read(s, (b) => {
          post.bytes(b);
          post.maybeFlush();
        });
        entry(key, this.df[s]!, start, dict, post);
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
          // The chunk's first entry: docid (relative to 0) * 2 + (tf === 1), re-based on the previous chunk's last.
          const head = readVarint(v, pos, runs);
          const first = Math.floor(head / 2);
          post.varint((first - prevLast) * 2 + (head % 2));
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
