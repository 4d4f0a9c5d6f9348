import { combinable } from './combined-reader.ts';
import { lineRecordReader } from './lines.ts';
import { combiningSplits } from './splits.ts';
import type { FileInputOptions, InputFormat } from './types.ts';

/**
 * Tab-separated values: key = byte offset of the line, value = its columns (empty lines skipped).
 * Files smaller than the split size are combined into one split unless `combine: false`.
 */
export function tsvInput(options: FileInputOptions = {}): InputFormat<number, string[]> {
  return {
    name: 'tsv',
    offsetKeys: true,
    getSplits: combiningSplits(options),
    createRecordReader: combinable((split) => lineRecordReader(split, (line) => (line ? line.split('\t') : undefined))),
  };
}
