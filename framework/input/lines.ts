import { utf8BomLength } from './bom.ts';
import { DelimitedReader } from './delimited.ts';
import { gzipInputError } from './gzip-errors.ts';
import type { InputSplit, RecordReader } from './types.ts';

/**
 * A RecordReader over the `\n`-terminated lines of a split (a trailing `\r` dropped); `toRecord` turns a
 * line and its byte offset into the record, or undefined to skip it. A UTF-8 byte order mark at the
 * start of the file is skipped, as Hadoop's LineRecordReader does; a damaged `.gz` is an InputError.
 */
export function lineRecordReader<V>(split: InputSplit, toRecord: (line: string) => V | undefined): RecordReader<number, V> {
  const reader = new DelimitedReader(split, '\n');
  return {
    get bytesRead() {
      return reader.bytesRead;
    },
    async read(sink, between) {
      let next = split.start; // offset after the last line read, for a gzip error
      try {
        await reader.read((buf, start, end, offset) => {
          next = offset + (end - start) + 1;
          if (offset === 0) start += utf8BomLength(buf, start, end);
          if (end > start && buf[end - 1] === 13) end--;
          const record = toRecord(buf.toString('utf8', start, end));
          if (record !== undefined) sink(offset, record);
        }, between);
      } catch (err) {
        throw gzipInputError(split.path, err, next);
      }
    },
  };
}
