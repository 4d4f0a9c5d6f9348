import fs from 'node:fs';
import { ByteSink } from './bytes.ts';
import type { Segment } from './segment.ts';

/**
 * Writes one sorted, partitioned run (a spill or a final map output): records are appended in
 * partition order; `endPartition` closes the current partition's segment.
 */
export class RunWriter {
  readonly segments: Segment[] = [];
  private readonly fd: number;
  // Starts small (a tiny task's output is small) and grows to the 1 MiB it flushes at.
  private readonly sink = new ByteSink(64 * 1024);
  private written = 0;
  private segStart = 0;
  private segRecords = 0;
  private closed = false;
  records = 0;

  constructor(readonly file: string) {
    this.fd = fs.openSync(file, 'w');
  }

  add(key: Uint8Array, value: Uint8Array): void {
    this.sink.record(key, value);
    this.segRecords++;
    this.records++;
    if (this.sink.length >= 1024 * 1024) this.flush();
  }

  private flush(): void {
    let off = 0;
    while (off < this.sink.length) off += fs.writeSync(this.fd, this.sink.buf, off, this.sink.length - off);
    this.written += this.sink.length;
    this.sink.reset();
  }

  /** Close the current partition's segment (call once per partition, in order, even when empty). */
  endPartition(): void {
    const end = this.written + this.sink.length;
    this.segments.push({ file: this.file, offset: this.segStart, length: end - this.segStart, records: this.segRecords });
    this.segStart = end;
    this.segRecords = 0;
  }

  get bytes(): number {
    return this.written + this.sink.length;
  }

  close(): Segment[] {
    try {
      this.flush();
    } finally {
      this.release();
    }
    return this.segments;
  }

  /** Give up the run after an error: close the file (if still open) and delete it. */
  abort(): void {
    this.release();
    fs.rmSync(this.file, { force: true });
  }

  private release(): void {
    if (this.closed) return;
    this.closed = true; // before closing: a descriptor number must never be closed twice (it may be reused)
    fs.closeSync(this.fd);
  }
}
