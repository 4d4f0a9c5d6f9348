import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ByteSink } from './bytes.ts';
import type { Segment } from './segment.ts';

/**
 * A file a process appends small runs to, one after another (see RunWriter's `logDir`): the map outputs
 * of a worker's tiny maps share it instead of each making a file (a file created costs a tiny map more
 * than its work on a busy ext4).
 */
interface OutputLog {
  readonly dir: string;
  readonly file: string;
  readonly fd: number;
  position: number;
}

let currentLog: OutputLog | undefined;

/** This process's output log in `dir` (the one of another dir, an earlier job's, is closed). */
export function outputLogIn(dir: string): OutputLog {
  if (currentLog?.dir === dir) return currentLog;
  if (currentLog) fs.closeSync(currentLog.fd);
  currentLog = undefined;
  const file = path.join(dir, `map-outputs.${process.pid}.${randomBytes(4).toString('hex')}.out`);
  currentLog = { dir, file, fd: fs.openSync(file, 'wx'), position: 0 };
  return currentLog;
}

/**
 * Writes one sorted, partitioned run (a spill or a final map output): records are appended in
 * partition order; `endPartition` closes the current partition's segment. The file is created at the
 * first flush (1 MiB) or at close; with `logDir`, a run that never reached a flush is appended to the
 * process's output log in that dir instead, and its segments name the log (`shared`).
 */
export class RunWriter {
  readonly segments: Segment[] = [];
  private fd: number | undefined;
  // Starts small (a tiny task's output is small) and grows to the 1 MiB it flushes at.
  private readonly sink = new ByteSink(64 * 1024);
  private written = 0;
  private segStart = 0;
  private segRecords = 0;
  private closed = false;
  records = 0;
  /** Set by close() when the run went to the output log. */
  shared = false;

  constructor(
    readonly file: string,
    private readonly logDir?: string,
  ) {}

  add(key: Uint8Array, value: Uint8Array): void {
    this.sink.record(key, value);
    this.segRecords++;
    this.records++;
    if (this.sink.length >= 1024 * 1024) this.flush();
  }

  private flush(): void {
    this.fd ??= fs.openSync(this.file, 'w');
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
    if (this.logDir !== undefined && this.fd === undefined && !this.closed) {
      this.closed = true;
      const log = outputLogIn(this.logDir);
      const base = log.position;
      let off = 0;
      while (off < this.sink.length) off += fs.writeSync(log.fd, this.sink.buf, off, this.sink.length - off, base + off);
      log.position = base + this.sink.length;
      this.shared = true;
      return this.segments.map((s) => ({ ...s, file: log.file, offset: base + s.offset }));
    }
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
    if (this.fd !== undefined) fs.closeSync(this.fd);
  }
}
