import path from 'node:path';
import { FileSink } from './file-sink.ts';

/**
 * Primary-key index: (pk, docid) entries in ascending UTF-8 byte order of the raw key — the order the
 * reducer receives keys in — each `varint len, pk bytes, varint docid`.
 */
export class PrimaryKeyWriter {
  private readonly data: FileSink;
  private last: Buffer | undefined;

  constructor(dir: string) {
    this.data = new FileSink(path.join(dir, 'data'));
  }

  add(pk: string, docId: number): void {
    const bytes = Buffer.from(pk, 'utf8');
    if (this.last && Buffer.compare(this.last, bytes) >= 0) throw new Error(`primary keys out of order: "${pk}" after "${this.last.toString()}"`);
    this.last = bytes;
    this.data.varint(bytes.length);
    this.data.bytes(bytes);
    this.data.varint(docId);
    this.data.maybeFlush();
  }

  close(): void {
    this.data.close();
  }
}
