/** Writes one task's output file. `write` buffers; `flush` applies back-pressure. */
export interface RecordWriter<K, V> {
  write(key: K, value: V): void;
  /** Resolves once buffered records are handed to storage (called between input chunks / groups). */
  flush(): Promise<void>;
  close(): Promise<void>;
  /** Called instead of close() when the task fails: release files and scratch space. */
  abort?(): Promise<void>;
  readonly bytesWritten: number;
}

/** The task a RecordWriter writes for. */
export interface OutputTask {
  /** The attempt's output directory (promoted into the job output on commit). */
  readonly dir: string;
  readonly taskIndex: number;
  /** Tasks writing output in this step (the number of reduce partitions, or of map splits). */
  readonly numTasks: number;
  readonly conf: Readonly<Record<string, string>>;
  /** The job's id: local scratch space belongs under the job's work dir, removed when the job ends. */
  readonly jobId: string;
  /**
   * A writer whose close() ends with an upload (a local staging copy to HDFS) calls this when only that
   * upload is left: the runner may then start another task on this machine's CPU beside it.
   */
  readonly uploading?: () => void;
}

/**
 * How a job's final records are stored: by default one `part-<m|r>-NNNNN<extension>` file per task
 * at `path`; a format may instead lay out its own files under `task.dir` (the index writer does).
 */
export interface OutputFormat<K, V> {
  readonly name: string;
  readonly extension: string;
  createRecordWriter(path: string, task: OutputTask): RecordWriter<K, V>;
}
