import { lineRecordReader } from './lines.ts';
import { fileSplits } from './splits.ts';
import type { InputFormat } from './types.ts';

/**
 * Hadoop's TextInputFormat: one record per line, key = byte offset of the line, value = the line
 * without its `\n` (and without a trailing `\r`). `.gz` files are read whole, one split each.
 */
export function textInput(): InputFormat<number, string> {
  return { name: 'text', getSplits: fileSplits, createRecordReader: (split) => lineRecordReader(split, (line) => line) };
}
