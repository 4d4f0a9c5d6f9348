import fs from 'node:fs';
import path from 'node:path';
import { readAt, readFileOrThrow, readVarint } from './bytes.ts';

/** Where a term's postings are (one dictionary entry). */
export interface TermEntry {
  readonly docFreq: number;
  readonly offset: number;
  readonly length: number;
}

/** One posting: a document holding the term, its frequency and (PACK) field map. */
export interface Posting {
  readonly docId: number;
  readonly termFrequency: number;
  /** PACK indexes: bit i set = the term occurs in the pack's i-th field; 0 otherwise. */
  readonly fieldMap: number;
}

/**
 * How a posting entry is encoded (docs/index-format.md "posting"): v1 `varint docidDelta, varint tf`;
 * v2 `varint (docidDelta * 2 + (tf === 1))` then `varint tf` only when tf > 1. PACK adds `varint fieldMap`.
 */
export type PostingEntries = 'v1' | 'v2';

/**
 * One inverted index of a segment (`index/<name>/{dictionary,posting}`). The dictionary is parsed
 * on first use (a term → location map); a term's postings are read from `posting` on demand.
 */
export class InvertedIndexReader {
  private dict: Map<string, TermEntry> | undefined;
  private readonly dictFile: string;
  private readonly postingFile: string;

  constructor(
    dir: string,
    private readonly docCount: number,
    private readonly withFieldMap: boolean,
    private readonly entries: PostingEntries = 'v2',
  ) {
    this.dictFile = path.join(dir, 'dictionary');
    this.postingFile = path.join(dir, 'posting');
  }

  private dictionary(): Map<string, TermEntry> {
    if (this.dict) return this.dict;
    const buf = readFileOrThrow(this.dictFile);
    const dict = new Map<string, TermEntry>();
    const pos = { at: 0 };
    const f = this.dictFile;
    while (pos.at < buf.length) {
      const len = readVarint(buf, pos, f);
      if (pos.at + len > buf.length) throw new Error(`${f}: truncated term at byte ${pos.at}`);
      const term = buf.toString('utf8', pos.at, pos.at + len);
      pos.at += len;
      dict.set(term, { docFreq: readVarint(buf, pos, f), offset: readVarint(buf, pos, f), length: readVarint(buf, pos, f) });
    }
    this.dict = dict;
    return dict;
  }

  /** Number of distinct terms. */
  get termCount(): number {
    return this.dictionary().size;
  }

  /** All terms, in dictionary (byte) order. */
  terms(): string[] {
    return [...this.dictionary().keys()];
  }

  /** The postings of `term` (empty when the term is not indexed), ascending docid. */
  postings(term: string): Posting[] {
    const entry = this.dictionary().get(term);
    if (!entry || entry.docFreq === 0) return [];
    const fd = fs.openSync(this.postingFile, 'r');
    let bytes: Buffer;
    try {
      bytes = readAt(fd, entry.offset, entry.length, this.postingFile);
    } finally {
      fs.closeSync(fd);
    }
    const out: Posting[] = [];
    const pos = { at: 0 };
    let docId = 0;
    for (let i = 0; i < entry.docFreq; i++) {
      let termFrequency: number;
      if (this.entries === 'v1') {
        docId += readVarint(bytes, pos, this.postingFile);
        termFrequency = readVarint(bytes, pos, this.postingFile);
      } else {
        const head = readVarint(bytes, pos, this.postingFile);
        docId += Math.floor(head / 2);
        termFrequency = head % 2 === 1 ? 1 : readVarint(bytes, pos, this.postingFile);
      }
      const fieldMap = this.withFieldMap ? readVarint(bytes, pos, this.postingFile) : 0;
      if (docId >= this.docCount) throw new Error(`${this.postingFile}: term "${term}" points at docid ${docId} past ${this.docCount} documents`);
      out.push({ docId, termFrequency, fieldMap });
    }
    if (pos.at !== bytes.length) throw new Error(`${this.postingFile}: term "${term}": ${bytes.length - pos.at} stray bytes after its postings`);
    return out;
  }

  /** Docids holding `term`, ascending. */
  docIds(term: string): number[] {
    return this.postings(term).map((p) => p.docId);
  }
}
