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
 * One term's postings in the current run, already in the final entry format (docs/index-format.md
 * "posting"): `varint (docidDelta * 2 + (tf === 1))`, `varint tf` only when tf > 1, then for PACK
 * `varint fieldMap`; the first delta is relative to docid 0.
 */
interface TermPostings {
  bytes: Uint8Array;
  length: number;
  last: number;
  df: number;
}

const INITIAL_TERM_BYTES = 16;

/** Append an unsigned varint (up to 2^53) to a term's bytes, growing them; returns the bytes added to capacity. */
function putVarint(t: TermPostings, v: number): number {
  let grown = 0;
  if (t.length + 8 > t.bytes.length) {
    const next = new Uint8Array(t.bytes.length * 2);
    next.set(t.bytes.subarray(0, t.length));
    grown = t.bytes.length;
    t.bytes = next;
  }
  const b = t.bytes;
  while (v >= 0x80) {
    b[t.length++] = (v % 0x80) | 0x80;
    v = Math.floor(v / 0x80);
  }
  b[t.length++] = v;
  return grown;
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
  /**
   * Per term id (dense: ids are handed out in order), per index: its postings of this run, encoded.
   * Indexed by term first so no array is sparse (a per-index array indexed by term id would be, for an
   * index holding few of the terms, and V8 turns sparse arrays into slow dictionaries).
   */
  private lists: (TermPostings | undefined)[][] = [];
  private bytes = 0;
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
    return this.termOf.length;
  }

  /** The id of a term in the current run (call `add` with it before anything can spill). */
  termId(term: string): number {
    let id = this.ids.get(term);
    if (id === undefined) {
      id = this.termOf.length;
      this.ids.set(term, id);
      this.termOf.push(term);
      this.lists.push(new Array<TermPostings | undefined>(this.targets.length).fill(undefined));
      this.bytes += term.length * 2 + 120 + 16 + 8 * this.targets.length;
    }
    return id;
  }

  /** Record that term `termId` occurs `tf` times in `docId` for index number `index` (field map for PACK). */
  add(index: number, termId: number, docId: number, tf: number, fieldMap = 0): void {
    const lists = this.lists[termId]!;
    let t = lists[index];
    if (t === undefined) {
      lists[index] = t = { bytes: new Uint8Array(INITIAL_TERM_BYTES), length: 0, last: 0, df: 0 };
      this.bytes += 96 + INITIAL_TERM_BYTES;
    }
    let grown = putVarint(t, (docId - t.last) * 2 + (tf === 1 ? 1 : 0));
    if (tf !== 1) grown += putVarint(t, tf);
    if (this.targets[index]!.withFieldMap) grown += putVarint(t, fieldMap);
    t.last = docId;
    t.df++;
    this.bytes += grown;
  }

  /** Spill if over budget; call between documents (term ids are reset by a spill). */
  maybeSpill(): void {
    if (this.bytes >= this.budgetBytes) this.spill();
  }

  /** Buffered terms as (index byte + term UTF-8, postings), sorted by those bytes. */
  private sortedEntries(): [Buffer, TermPostings][] {
    const entries: [Buffer, TermPostings][] = [];
    this.lists.forEach((lists, termId) => {
      const term = this.termOf[termId]!;
      const length = Buffer.byteLength(term);
      lists.forEach((list, index) => {
        if (list === undefined) return;
        const key = Buffer.allocUnsafe(1 + length);
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
    this.lists = [];
    this.bytes = 0;
  }

  private spill(): void {
    fs.mkdirSync(this.scratch, { recursive: true });
    const out = new RunWriter(path.join(this.scratch, `postings_${this.runs.length}.run`));
    // Each run value is a chunk of final-format postings behind a header (last docid, count), so
    // merging runs re-encodes only each chunk's first docid and copies the rest.
    const value = new ByteSink(4096);
    for (const [key, t] of this.sortedEntries()) {
      value.reset();
      value.varint(t.last);
      value.varint(t.df);
      value.bytes(t.bytes, 0, t.length);
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
      for (const [key, t] of this.sortedEntries()) {
        const { dict, post } = open(key[0]! - 1);
        const start = post.position;
        post.bytes(t.bytes, 0, t.length);
        entry(key, t.df, start, dict, post);
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
