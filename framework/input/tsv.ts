import { DelimitedReader } from './delimited.ts';
import { fileSplits } from './splits.ts';
import type { InputFormat, InputSplit, RecordReader } from './types.ts';

/** Tab-separated values: key = byte offset of the line, value = its columns (empty lines skipped). */
export function tsvInput(): InputFormat<number, string[]> {
  return {
    name: 'tsv',
    getSplits: fileSplits,
    createRecordReader(split: InputSplit): RecordReader<number, string[]> {
      const reader = new DelimitedReader(split, '\n');
      return {
        get bytesRead() {
          return reader.bytesRead;
        },
        read(sink, between) {
          return reader.read((buf, start, end, offset) => {
            if (end > start && buf[end - 1] === 13) end--;
            if (end > start) sink(offset, buf.toString('utf8', start, end).split('\t'));
          }, between);
        },
      };
    },
  };
}
