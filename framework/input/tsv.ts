import { lineRecordReader } from './lines.ts';
import { fileSplits } from './splits.ts';
import type { InputFormat } from './types.ts';

/** Tab-separated values: key = byte offset of the line, value = its columns (empty lines skipped). */
export function tsvInput(): InputFormat<number, string[]> {
  return {
    name: 'tsv',
    getSplits: fileSplits,
    createRecordReader: (split) => lineRecordReader(split, (line) => (line ? line.split('\t') : undefined)),
  };
}
