// The library is loaded when a Parquet file is first opened, not with the framework (~250 ms a process).
import type { FileMetaDataExt, PageData, ParquetEnvelopeReader, ParquetReader, ParquetSchema, RowGroupExt, SchemaDefinition } from '@dsnp/parquetjs';
import { fileSystemFor } from '../fs/resolve.ts';
import { listInputFiles } from './paths.ts';
import { InputError, type ChunkHook, type InputFormat, type InputSplit, type RecordReader } from './types.ts';

/** Rows handed to `sink` between two calls of the chunk hook. */
const ROWS_PER_CHUNK = 4096;

/**
 * Do not decode the footer's min/max statistics (unused here). The library types this flag as
 * `Statistics` by mistake; it is a boolean.
 */
const OPEN_OPTIONS = { rawStatistics: true } as unknown as Parameters<typeof ParquetReader.openEnvelopeReader>[1];

/** An opened Parquet file: its footer, its schema and range reads through our FileSystem. */
interface OpenFile {
  readonly envelope: ParquetEnvelopeReader;
  readonly metadata: FileMetaDataExt;
  readonly schema: ParquetSchema;
  /** Offset of the last range asked for (for error messages). */
  lastOffset(): number;
}

function reasonOf(err: unknown): string {
  return err instanceof Error ? err.message || err.name : String(err);
}

/** Bytes [offset, offset + length) of a file, streamed from its FileSystem (never the whole file). */
async function readRange(path: string, fileLength: number, offset: number, length: number): Promise<Buffer> {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > fileLength) {
    throw new Error(`byte range [${offset}, ${offset + length}) lies outside the file (${fileLength} bytes): truncated or not a Parquet file`);
  }
  const chunks: Buffer[] = [];
  let got = 0;
  for await (const chunk of fileSystemFor(path).openRead(path, offset, offset + length) as AsyncIterable<Buffer>) {
    chunks.push(chunk);
    got += chunk.length;
  }
  if (got !== length) throw new Error(`short read at byte ${offset}: got ${got} of ${length} bytes (file changed?)`);
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, got);
}

/** Read the header and footer of a Parquet file of `fileLength` bytes; errors name the path. */
async function openParquet(path: string, fileLength: number): Promise<OpenFile> {
  let last = 0;
  const { ParquetEnvelopeReader, ParquetReader } = await import('@dsnp/parquetjs');
  const envelope = new ParquetEnvelopeReader(
    async (offset, length, file) => {
      last = offset;
      if (file) throw new Error(`column chunk in external file "${file}" is not supported`);
      return readRange(path, fileLength, offset, length);
    },
    () => undefined,
    fileLength,
  );
  try {
    const reader = await ParquetReader.openEnvelopeReader(envelope, OPEN_OPTIONS);
    return { envelope, metadata: reader.metadata!, schema: reader.schema, lastOffset: () => last };
  } catch (err) {
    throw new InputError(path, last, `not a readable Parquet file: ${reasonOf(err)}`);
  }
}

/** Byte range of a row group as its column chunks give it (dictionary page included). */
function rowGroupRange(rg: RowGroupExt): { start: number; end: number } {
  let start = Infinity;
  let end = 0;
  for (const col of rg.columns) {
    const md = col.meta_data;
    if (!md) continue;
    const data = Number(md.data_page_offset);
    const dict = md.dictionary_page_offset == null ? 0 : Number(md.dictionary_page_offset);
    const s = dict > 0 && dict < data ? dict : data;
    start = Math.min(start, s);
    end = Math.max(end, s + Number(md.total_compressed_size));
  }
  return start === Infinity ? { start: 0, end: 0 } : { start, end };
}

/**
 * The schema rows are materialised with. @dsnp/parquetjs turns TIMESTAMP_MICROS into a Date, dropping
 * the microseconds; read it as plain INT64 instead so the value comes back as exact bigint microseconds.
 */
function readSchemaOf(def: SchemaDefinition): SchemaDefinition {
  const out: SchemaDefinition = {};
  for (const [name, field] of Object.entries(def)) {
    if (field.fields) out[name] = { ...field, fields: readSchemaOf(field.fields) };
    else out[name] = field.type === 'TIMESTAMP_MICROS' ? { ...field, type: 'INT64' } : { ...field };
  }
  return out;
}

/**
 * Unsigned columns come back from @dsnp/parquetjs as the signed value of their bits (UINT_64
 * 2^64-1 as -1n, UINT_32 2^32-1 as -1): reinterpret them as unsigned, exactly.
 */
function fixUnsigned(originalType: string | undefined, data: PageData): void {
  const values = data.values as unknown[] | undefined;
  if (!values) return;
  if (originalType === 'UINT_64') for (let i = 0; i < values.length; i++) values[i] = BigInt.asUintN(64, values[i] as bigint);
  else if (originalType === 'UINT_32') for (let i = 0; i < values.length; i++) values[i] = (values[i] as number) >>> 0;
}

/** Reads the rows of the one row group a split names. */
class RowGroupReader implements RecordReader<number, Record<string, unknown>> {
  bytesRead = 0;

  constructor(private readonly split: InputSplit) {}

  async read(sink: (key: number, value: Record<string, unknown>) => void, betweenChunks?: ChunkHook): Promise<void> {
    const { path, part } = this.split;
    const st = await fileSystemFor(path).stat(path);
    if (!st || st.isDirectory) throw new InputError(path, this.split.start, 'no such file');
    if (st.length !== this.split.fileLength) {
      throw new InputError(path, this.split.start, `file changed since its splits were made (${st.length} bytes, was ${this.split.fileLength})`);
    }
    const file = await openParquet(path, st.length);
    const groups = file.metadata.row_groups;
    const rg = part === undefined ? undefined : groups[part];
    if (!rg) throw new InputError(path, this.split.start, `split names row group ${part}, the file has ${groups.length}`);

    let firstRow = 0;
    for (let i = 0; i < part!; i++) firstRow += Number(groups[i]!.num_rows);

    const { ParquetSchema, ParquetShredder } = await import('@dsnp/parquetjs');
    const schema = new ParquetSchema(readSchemaOf(file.schema.schema));
    const columnData: Record<string, PageData> = {};
    try {
      for (const col of rg.columns) {
        const md = col.meta_data;
        if (!md) continue;
        // The library reads `default_dictionary_size` bytes (10 MB by default) for a dictionary page;
        // the page ends where the data pages start, so read just that.
        const data = Number(md.data_page_offset);
        const dict = md.dictionary_page_offset == null ? 0 : Number(md.dictionary_page_offset);
        if (dict > 0 && dict < data) file.envelope.default_dictionary_size = data - dict;
        const chunk = await file.envelope.readColumnChunk(schema, col);
        fixUnsigned(file.schema.findField(md.path_in_schema).originalType, chunk);
        columnData[md.path_in_schema.join(',')] = chunk;
        this.bytesRead = Math.min(this.split.length, this.bytesRead + Number(md.total_compressed_size));
      }
    } catch (err) {
      throw err instanceof InputError ? err : new InputError(path, file.lastOffset(), `cannot read row group ${part}: ${reasonOf(err)}`);
    }
    const rows = ParquetShredder.materializeRecords(schema, { rowCount: Number(rg.num_rows), columnData });
    // A repeated field without values comes back as null: it is an empty list.
    const lists = Object.values(schema.fields).filter((f) => f.repetitionType === 'REPEATED').map((f) => f.name);
    this.bytesRead = this.split.length;
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      for (const name of lists) row[name] ??= [];
      sink(firstRow + i, row);
      if (betweenChunks && (i + 1) % ROWS_PER_CHUNK === 0) await betweenChunks();
    }
  }
}

/**
 * Parquet files: one split per row group (the split size option does not apply), key = row number
 * within the file, value = the row as an object. Values: INT64 and UINT_64 as exact bigints,
 * TIMESTAMP_MICROS as exact bigint microseconds since the epoch, TIMESTAMP_MILLIS and DATE as Date,
 * UTF8 as string, BYTE_ARRAY as Buffer, INT32 / UINT_32 / FLOAT / DOUBLE as number, a missing
 * optional value as null, a repeated field as an array ([] when empty); other types as
 * @dsnp/parquetjs gives them (DECIMAL as a possibly inexact number). Files are read through the
 * FileSystem by byte range: the footer, then only the split's column chunks.
 */
export function parquetInput(): InputFormat<number, Record<string, unknown>> {
  return {
    name: 'parquet',
    async getSplits(paths: readonly string[]): Promise<InputSplit[]> {
      const files = await listInputFiles(paths);
      const splits: InputSplit[] = [];
      for (const [fileIndex, f] of files.entries()) {
        const { metadata } = await openParquet(f.path, f.length);
        const blocks = await fileSystemFor(f.path).blockLocations(f.path, 0, f.length);
        const hostsAt = (offset: number): readonly string[] =>
          blocks.find((b) => offset >= b.offset && offset < b.offset + b.length)?.hosts ?? [];
        for (const [part, rg] of metadata.row_groups.entries()) {
          if (Number(rg.num_rows) === 0) continue;
          const { start, end } = rowGroupRange(rg);
          splits.push({ path: f.path, start, length: end - start, fileLength: f.length, hosts: hostsAt(start), part, fileIndex });
        }
      }
      return splits;
    },
    createRecordReader(split: InputSplit): RecordReader<number, Record<string, unknown>> {
      return new RowGroupReader(split);
    },
  };
}
