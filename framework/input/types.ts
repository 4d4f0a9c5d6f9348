/**
 * The files of a combined split (Hadoop's CombineFileSplit): parallel arrays, so that a split of
 * thousands of small files stays small in the JSON TaskSpec. Chunk i is bytes
 * [starts[i], starts[i] + lengths[i]) of the file `dir + names[i]`, at position fileIndexes[i] among
 * the job's inputs. Read through `splitChunks` (combined.ts), never by hand.
 */
export interface CombinedFiles {
  /** Common prefix of the chunks' paths (up to and including a `/`; may be empty). */
  readonly dir: string;
  readonly names: readonly string[];
  readonly starts: readonly number[];
  readonly lengths: readonly number[];
  readonly fileLengths: readonly number[];
  readonly fileIndexes: readonly number[];
}

/**
 * A byte range of one file (or one row group of a Parquet file) read by one map task, or (with
 * `combined`) byte ranges of several small files read one after another by one map task.
 * JSON-serialisable.
 */
export interface InputSplit {
  /** The file (of a combined split: its first file). */
  readonly path: string;
  readonly start: number;
  /** Bytes to read (of a combined split: the total over its files, for progress). */
  readonly length: number;
  /** Length of the whole file when the split was made. */
  readonly fileLength: number;
  /** Hosts holding the split's data (of a combined split: most of it), for locality (empty when unknown). */
  readonly hosts: readonly string[];
  /** Format-specific index, e.g. the Parquet row group. */
  readonly part?: number;
  /** Position of the file among the job's inputs (data-path order, for "later supersedes earlier"). */
  readonly fileIndex: number;
  /** Set on a combined split: every file chunk it reads, in order (each record keeps its own file). */
  readonly combined?: CombinedFiles;
  /** Set on an HBase split (`path` is then `hbase://<table>`): the row range of one region, or part of one. */
  readonly region?: RegionSplit;
}

/** The rows of an HBase table one map task scans: [startRow, endRow) of one region (keys base64). */
export interface RegionSplit {
  readonly table: string;
  /** The REST gateway the task scans through. */
  readonly rest: string;
  /** The region's name (`table,startKey,id.encoded.`). */
  readonly name: string;
  readonly startRow: string;
  /** Exclusive; empty: to the end of the table. */
  readonly endRow: string;
  readonly columns: readonly string[];
  /** Cells per scanner call. */
  readonly batch: number;
}

export interface SplitOptions {
  /** Target split size in bytes; undefined = the file's block size. */
  readonly splitSize?: number;
  /**
   * Without a splitSize: the number of maps wanted (Hadoop MR1's `mapreduce.job.maps` hint). Each file
   * is then split at max(minSplitSize, min(total input bytes / numSplits, block size)), as the old
   * FileInputFormat.getSplits(job, numSplits) does, so a job gets enough maps to keep its slots busy.
   */
  readonly numSplits?: number;
  /** The smallest split a numSplits hint may make (Hadoop's split.minsize), bytes; default 1. */
  readonly minSplitSize?: number;
  /**
   * Combine files smaller than the split size into splits of up to the split size, files on the same
   * host together (Hadoop's CombineFileInputFormat). Default true for the text, tsv and ha3 formats;
   * false gives one split per file (or per byte range of a big file) as before.
   */
  readonly combine?: boolean;
  /** At most this many files in one combined split (default 10 000: bounds a map's TaskSpec and open files). */
  readonly maxFilesPerSplit?: number;
}

/** Options of the file-based input formats (textInput, tsvInput, ha3Input). */
export interface FileInputOptions {
  /** Combine files smaller than the split size (default true); false: one split per file or byte range. */
  readonly combine?: boolean;
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
  /** Keys are the records' byte offsets in their files (text, ha3, tsv, jsonl): errors can name the record's offset. */
  readonly offsetKeys?: boolean;
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
