/** A byte range of one file (or one row group of a Parquet file) read by one map task. JSON-serialisable. */
export interface InputSplit {
  readonly path: string;
  readonly start: number;
  readonly length: number;
  /** Length of the whole file when the split was made. */
  readonly fileLength: number;
  /** Hosts holding the split's data, for locality (empty when unknown). */
  readonly hosts: readonly string[];
  /** Format-specific index, e.g. the Parquet row group. */
  readonly part?: number;
  /** Position of the file among the job's inputs (data-path order, for "later supersedes earlier"). */
  readonly fileIndex: number;
}

export interface SplitOptions {
  /** Target split size in bytes; undefined = the file's block size. */
  readonly splitSize?: number;
}

/** Called between input chunks so a task can flush buffered output with back-pressure. */
export type ChunkHook = () => void | Promise<void>;

/** Reads the records a split owns (each record of a file is owned by exactly one split). */
export interface RecordReader<K, V> {
  /** Calls `sink` once per record, in file order. */
  read(sink: (key: K, value: V) => void, betweenChunks?: ChunkHook): Promise<void>;
  /** Bytes of the split consumed so far (for progress). */
  readonly bytesRead: number;
}

/** Turns input paths into splits and splits into records. */
export interface InputFormat<K, V> {
  readonly name: string;
  getSplits(paths: readonly string[], options: SplitOptions): Promise<InputSplit[]>;
  createRecordReader(split: InputSplit): RecordReader<K, V>;
}

/** Bad input: names the file and the byte offset. */
export class InputError extends Error {
  constructor(
    readonly path: string,
    readonly offset: number,
    reason: string,
  ) {
    super(`${path} at byte ${offset}: ${reason}`);
    this.name = 'InputError';
  }
}
