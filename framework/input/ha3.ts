import { isUtf8 } from 'node:buffer';
import { DelimitedReader } from './delimited.ts';
import { fileSplits } from './splits.ts';
import type { InputFormat, InputSplit, RecordReader } from './types.ts';

/** A problem found while parsing one document, at a byte offset of its file. */
export interface Ha3Problem {
  readonly offset: number;
  readonly message: string;
}

/** One ha3 document: its `key=value` fields in file order (CMD included) and any format problems. */
export interface Ha3Document {
  readonly path: string;
  /** Position of the file among the job's inputs (data-path order). */
  readonly fileIndex: number;
  readonly offset: number;
  readonly fields: ReadonlyArray<readonly [string, string]>;
  readonly problems: readonly Ha3Problem[];
}

const FIELD_END = Buffer.from('\x1F\n', 'latin1');
const DOC_END = '\x1E\n';
const RS = 0x1e;

function parseDocument(path: string, fileIndex: number, buf: Buffer, start: number, end: number, offset: number, terminated: boolean): Ha3Document {
  const fields: [string, string][] = [];
  const problems: Ha3Problem[] = [];
  if (!terminated) {
    if (end > start && buf[end - 1] === RS) end--; // a bare \x1E at end of file is accepted
    else problems.push({ offset, message: 'final document has no \\x1E document terminator' });
  }
  let i = start;
  while (i < end) {
    let j = buf.indexOf(FIELD_END, i);
    let closed = true;
    if (j < 0 || j >= end) {
      j = end;
      closed = false;
    }
    let a = i;
    while (a < j && buf[a] === 10) a++; // tolerate blank lines between fields
    const lineOffset = offset + (a - start);
    if (a < j) {
      if (!closed) problems.push({ offset: lineOffset, message: 'field line not terminated by \\x1F\\n' });
      const line = buf.subarray(a, j);
      if (!isUtf8(line)) {
        problems.push({ offset: lineOffset, message: 'invalid UTF-8 in field line' });
      } else {
        const eq = line.indexOf(0x3d);
        if (eq < 0) {
          problems.push({ offset: lineOffset, message: 'line without "="' });
        } else {
          const name = line.toString('utf8', 0, eq);
          if (fields.some(([n]) => n === name)) problems.push({ offset: lineOffset, message: `duplicate field "${name}"` });
          else fields.push([name, line.toString('utf8', eq + 1)]);
        }
      }
    }
    i = j + FIELD_END.length;
  }
  return { path, fileIndex, offset, fields, problems };
}

/**
 * Havenask ha3 documents (havenask.md §1): `key=value\x1F\n` lines, documents ended by `\x1E\n`; the
 * last document of a file may end with a bare `\x1E`. Key = byte offset of the document.
 */
export function ha3Input(): InputFormat<number, Ha3Document> {
  return {
    name: 'ha3',
    getSplits: fileSplits,
    createRecordReader(split: InputSplit): RecordReader<number, Ha3Document> {
      const reader = new DelimitedReader(split, DOC_END);
      return {
        get bytesRead() {
          return reader.bytesRead;
        },
        read(sink, between) {
          return reader.read((buf, start, end, offset, terminated) => {
            // Skip whitespace-only remainders (e.g. a trailing newline after the last \x1E\n).
            let k = start;
            while (k < end && (buf[k] === 10 || buf[k] === 13 || buf[k] === 32)) k++;
            if (k === end) return;
            // The document's offset is that of its first field line (after any blank lines).
            sink(offset + (k - start), parseDocument(split.path, split.fileIndex, buf, k, end, offset + (k - start), terminated));
          }, between);
        },
      };
    },
  };
}
