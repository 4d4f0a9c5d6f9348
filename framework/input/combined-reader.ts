import { splitChunks } from './combined.ts';
import type { ChunkHook, InputSplit, RecordReader } from './types.ts';

/**
 * Reads a combined split file by file with the format's own reader for one file (Hadoop's
 * CombineFileRecordReader): each record keeps its file's identity (path, fileIndex, offset), and
 * bytesRead counts the files done plus the current one, so progress runs across all of them.
 */
class CombinedRecordReader<K, V> implements RecordReader<K, V> {
  private done = 0;
  private current: RecordReader<K, V> | undefined;

  constructor(
    private readonly split: InputSplit,
    private readonly open: (file: InputSplit) => RecordReader<K, V>,
  ) {}

  get bytesRead(): number {
    return Math.min(this.split.length, this.done + (this.current?.bytesRead ?? 0));
  }

  async read(sink: (key: K, value: V) => void, betweenChunks?: ChunkHook): Promise<void> {
    for (const file of splitChunks(this.split)) {
      this.current = this.open(file);
      await this.current.read(sink, betweenChunks);
      this.done += file.length;
      this.current = undefined;
      // Small files end within their first chunk: give the task its flush / progress point here.
      if (betweenChunks) await betweenChunks();
    }
  }
}

/** A format's createRecordReader that also reads the combined splits of combineFileSplits. */
export function combinable<K, V>(open: (split: InputSplit) => RecordReader<K, V>): (split: InputSplit) => RecordReader<K, V> {
  return (split) => (split.combined ? new CombinedRecordReader(split, open) : open(split));
}
