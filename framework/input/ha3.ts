import { isUtf8 } from 'node:buffer';
import { utf8BomLength } from './bom.ts';
import { combinable } from './combined-reader.ts';
import { DelimitedReader } from './delimited.ts';
import { gzipInputError } from './gzip-errors.ts';
import { combiningSplits } from './splits.ts';
import { InputError, type FileInputOptions, type InputFormat, type InputSplit, type RecordReader } from './types.ts';

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
const US = 0x1f;

/**
 * Offset in `buf` of the `\r` of the first `\x1F\r\n` or `\x1E\r\n` in [start, end), or -1. Values may hold
 * `\r\n` (Windows text in a body field); after a separator it means the file has CRLF line ends.
 */
function crlfLineEnd(buf: Buffer, start: number, end: number): number {
  // Search the document only: indexOf on the whole chunk would scan to its end for every CR-free document.
  const doc = buf.subarray(start, end);
  for (let r = doc.indexOf(13); r >= 0 && r + 1 < doc.length; r = doc.indexOf(13, r + 1)) {
    if (doc[r + 1] === 10 && r > 0 && (doc[r - 1] === US || doc[r - 1] === RS)) return start + r;
  }
  return -1;
}

/**
 * The common case in one decode: a terminated document of valid UTF-8 whose every line is `name=value`
 * with a distinct name. Undefined when anything is off, for parseDocument to find and place the problem.
 */
function parseWellFormed(buf: Buffer, start: number, end: number): [string, string][] | undefined {
  if (!isUtf8(buf.subarray(start, end))) return undefined;
  const text = buf.toString('utf8', start, end);
  const fields: [string, string][] = [];
  let i = 0;
  while (i < text.length) {
    const j = text.indexOf('\x1F\n', i);
    if (j < 0) return undefined;
    let a = i;
    while (a < j && text.charCodeAt(a) === 10) a++; // tolerate blank lines between fields
    if (a < j) {
      const eq = text.indexOf('=', a);
      if (eq < 0 || eq > j) return undefined;
      const name = text.slice(a, eq);
      for (let f = 0; f < fields.length; f++) if (fields[f]![0] === name) return undefined;
      fields.push([name, text.slice(eq + 1, j)]);
    }
    i = j + 2;
  }
  return fields;
}

const NO_PROBLEMS: readonly Ha3Problem[] = Object.freeze([]);

function parseDocument(path: string, fileIndex: number, buf: Buffer, start: number, end: number, offset: number, terminated: boolean): Ha3Document {
  if (terminated) {
    const wellFormed = parseWellFormed(buf, start, end);
    if (wellFormed) return { path, fileIndex, offset, fields: wellFormed, problems: NO_PROBLEMS };
  }
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
 * last document of a file may end with a bare `\x1E`. Key = byte offset of the document. A UTF-8 BOM at the
 * start of a file is skipped; CRLF line ends and a damaged `.gz` are InputErrors naming file and offset. Files smaller
 * than the split size are combined into one split unless `combine: false`; each document keeps its
 * own file's path, fileIndex and offset.
 */
export function ha3Input(options: FileInputOptions = {}): InputFormat<number, Ha3Document> {
  return {
    name: 'ha3',
    offsetKeys: true,
    getSplits: combiningSplits(options),
    createRecordReader: combinable((split: InputSplit): RecordReader<number, Ha3Document> => {
      const reader = new DelimitedReader(split, DOC_END);
      return {
        get bytesRead() {
          return reader.bytesRead;
        },
        async read(sink, between) {
          let next = split.start; // offset after the last document read, for a gzip error
          try {
            await reader.read((buf, start, end, offset, terminated) => {
              next = offset + (end - start) + DOC_END.length;
              // A UTF-8 byte order mark at the start of the file is skipped (Havenask would read it as
              // part of the first field name: "\uFEFFCMD").
              let k = offset === 0 ? start + utf8BomLength(buf, start, end) : start;
              // Skip whitespace-only remainders (e.g. a trailing newline after the last \x1E\n).
              while (k < end && (buf[k] === 10 || buf[k] === 13 || buf[k] === 32)) k++;
              if (k === end) return;
              // CRLF line ends break every separator: the whole file, not one document, is unreadable.
              const cr = crlfLineEnd(buf, k, end);
              if (cr >= 0) throw new InputError(split.path, offset + (cr - start), 'CRLF line ends ("\\r\\n"): ha3 lines end with "\\x1F\\n" and documents with "\\x1E\\n", as in Havenask, which does not accept "\\r\\n" either; convert the file (e.g. dos2unix)');
              // The document's offset is that of its first field line (after any blank lines).
              sink(offset + (k - start), parseDocument(split.path, split.fileIndex, buf, k, end, offset + (k - start), terminated));
            }, between);
          } catch (err) {
            throw gzipInputError(split.path, err, next);
          }
        },
      };
    }),
  };
}
