import { DelimitedReader } from './delimited.ts';
import { fileSplits } from './splits.ts';
import type { InputFormat, InputSplit, RecordReader } from './types.ts';

/**
 * Hadoop's TextInputFormat: one record per line, key = byte offset of the line, value = the line
 * without its `\n` (and without a trailing `\r`). `.gz` files are read whole, one split each.
 */
export function textInput(): InputFormat<number, string> {
  return {
    name: 'text',
    getSplits: fileSplits,
    createRecordReader(split: InputSplit): RecordReader<number, string> {
      const reader = new DelimitedReader(split, '\n');
      return {
        get bytesRead() {
          return reader.bytesRead;
        },
        read(sink, between) {
          return reader.read((buf, start, end, offset) => {
            if (end > start && buf[end - 1] === 13) end--;
            sink(offset, buf.toString('utf8', start, end));
          }, between);
        },
      };
    },
  };
}
