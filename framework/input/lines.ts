import { DelimitedReader } from './delimited.ts';
import type { InputSplit, RecordReader } from './types.ts';

/**
 * A RecordReader over the `\n`-terminated lines of a split (a trailing `\r` dropped); `toRecord` turns a
 * line and its byte offset into the record, or undefined to skip it.
 */
export function lineRecordReader<V>(split: InputSplit, toRecord: (line: string) => V | undefined): RecordReader<number, V> {
  const reader = new DelimitedReader(split, '\n');
  return {
    get bytesRead() {
      return reader.bytesRead;
    },
    read(sink, between) {
      return reader.read((buf, start, end, offset) => {
        if (end > start && buf[end - 1] === 13) end--;
        const record = toRecord(buf.toString('utf8', start, end));
        if (record !== undefined) sink(offset, record);
      }, between);
    },
  };
}
