/** Writes one task's output file. `write` buffers; `flush` applies back-pressure. */
export interface RecordWriter<K, V> {
  write(key: K, value: V): void;
  /** Resolves once buffered records are handed to storage (called between input chunks / groups). */
  flush(): Promise<void>;
  close(): Promise<void>;
  readonly bytesWritten: number;
}

/** How a job's final records are stored: one `part-<m|r>-NNNNN<extension>` file per task. */
export interface OutputFormat<K, V> {
  readonly name: string;
  readonly extension: string;
  createRecordWriter(path: string): RecordWriter<K, V>;
}
