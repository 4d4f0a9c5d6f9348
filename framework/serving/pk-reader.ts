import path from 'node:path';
import { readFileOrThrow, readVarint } from './bytes.ts';

/**
 * The primary-key index of one segment (`index/<pk index>/data`): entries `varint keyLength, key
 * bytes, varint docid` in ascending byte order of the key. Loaded fully (one entry per document).
 */
export class PrimaryKeyReader {
  private readonly byKey = new Map<string, number>();
  private readonly keys: string[];

  constructor(dir: string, docCount: number) {
    const file = path.join(dir, 'data');
    const buf = readFileOrThrow(file);
    this.keys = new Array<string>(docCount);
    const pos = { at: 0 };
    while (pos.at < buf.length) {
      const len = readVarint(buf, pos, file);
      if (pos.at + len > buf.length) throw new Error(`${file}: truncated key at byte ${pos.at}`);
      const key = buf.toString('utf8', pos.at, pos.at + len);
      pos.at += len;
      const docId = readVarint(buf, pos, file);
      if (docId >= docCount) throw new Error(`${file}: docid ${docId} of key "${key}" is not below the document count ${docCount}`);
      this.byKey.set(key, docId);
      this.keys[docId] = key;
    }
    if (this.byKey.size !== docCount) throw new Error(`${file}: ${this.byKey.size} keys for ${docCount} documents`);
  }

  /** Docid of a raw primary key, or undefined. */
  lookup(key: string): number | undefined {
    return this.byKey.get(key);
  }

  /** Raw primary key of a docid. */
  keyOf(docId: number): string {
    return this.keys[docId]!;
  }
}
