import { combinable } from './combined-reader.ts';
import { lineRecordReader } from './lines.ts';
import { combiningSplits } from './splits.ts';
import type { FileInputOptions, InputFormat } from './types.ts';

/**
 * Hadoop's TextInputFormat: one record per line, key = byte offset of the line, value = the line
 * without its `\n` (and without a trailing `\r`). `.gz` files are read whole, one split each. Files
 * smaller than the split size are combined into one split unless `combine: false`.
 */
export function textInput(options: FileInputOptions = {}): InputFormat<number, string> {
  return {
    name: 'text',
    offsetKeys: true,
    getSplits: combiningSplits(options),
    createRecordReader: combinable((split) => lineRecordReader(split, (line) => line)),
  };
}
