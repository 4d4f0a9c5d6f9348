import { combinable } from './combined-reader.ts';
import { lineRecordReader } from './lines.ts';
import { combiningSplits } from './splits.ts';
import { InputError, type FileInputOptions, type InputFormat, type InputSplit, type RecordReader } from './types.ts';

/** The most characters of a bad line quoted in its error. */
const QUOTE_CHARS = 80;

/** A line that is not JSON: the parser's reason, turned into an InputError once its offset is known. */
class BadLine {
  constructor(readonly reason: string) {}
}

function parseLine(line: string): unknown {
  if (line.trim() === '') return undefined;
  try {
    return JSON.parse(line) as unknown;
  } catch (err) {
    const quoted = line.length > QUOTE_CHARS ? `${line.slice(0, QUOTE_CHARS)}...` : line;
    return new BadLine(`not valid JSON (${err instanceof Error ? err.message : String(err)}): ${JSON.stringify(quoted)}`);
  }
}

function jsonLineReader<V>(split: InputSplit): RecordReader<number, V> {
  const lines = lineRecordReader(split, parseLine);
  return {
    get bytesRead() {
      return lines.bytesRead;
    },
    read: (sink, between) =>
      lines.read((offset, value) => {
        if (value instanceof BadLine) throw new InputError(split.path, offset, value.reason);
        sink(offset, value as V);
      }, between),
  };
}

/**
 * JSON lines: one JSON value per line, key = byte offset of the line, value = the parsed value (typed
 * `V` by the caller, not checked). Empty (or blank) lines are skipped; a line that is not valid JSON
 * fails the task with an InputError naming the file and the line's byte offset. Files smaller than the
 * split size are combined into one split unless `combine: false`.
 */
export function jsonLinesInput<V = unknown>(options: FileInputOptions = {}): InputFormat<number, V> {
  return {
    name: 'jsonl',
    offsetKeys: true,
    getSplits: combiningSplits(options),
    createRecordReader: combinable((split) => jsonLineReader<V>(split)),
  };
}
