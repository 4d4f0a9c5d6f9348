import { once } from 'node:events';
import { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
// The library is loaded when a writer opens, not with the framework (~250 ms a process).
import type { FieldDefinition, OriginalType, ParquetSchema, ParquetType, ParquetWriter } from '@dsnp/parquetjs';
import { fileSystemFor } from '../fs/resolve.ts';
import type { OutputFormat, RecordWriter } from './types.ts';

/**
 * Column types and the JavaScript values they take:
 * - BOOLEAN: boolean; INT32: integer number (or bigint) in range; FLOAT, DOUBLE: number
 * - INT64, UINT_64: bigint, or a safe-integer number; stored exactly over the whole range
 * - UTF8: string (a lone UTF-16 surrogate becomes U+FFFD, as in any UTF-8 output)
 * - BYTE_ARRAY: Buffer or Uint8Array
 * - TIMESTAMP_MILLIS: Date, or a bigint / safe-integer number of ms since the epoch within Date's
 *   range (±8.64e15 ms: parquetInput gives the value back as a Date); negative allowed
 * - TIMESTAMP_MICROS: Date, or a bigint / safe-integer number of µs since the epoch; negative allowed
 */
export type ParquetColumnType =
  | 'BOOLEAN'
  | 'INT32'
  | 'INT64'
  | 'UINT_64'
  | 'FLOAT'
  | 'DOUBLE'
  | 'UTF8'
  | 'BYTE_ARRAY'
  | 'TIMESTAMP_MILLIS'
  | 'TIMESTAMP_MICROS';

/** One column of the output schema. */
export interface ParquetColumn {
  readonly type: ParquetColumnType;
  /** The row may hold null or undefined (or lack the field). Default: the value is required. */
  readonly optional?: boolean;
  /** The row holds an array of values (null/undefined = empty); not together with `optional`. */
  readonly repeated?: boolean;
}

/** Column name → column (a bare type is a required column of that type). Flat: no nested groups. */
export type ParquetColumns = Readonly<Record<string, ParquetColumnType | ParquetColumn>>;

const COMPRESSION_CODECS = ['UNCOMPRESSED', 'GZIP', 'SNAPPY', 'BROTLI'] as const;
export type ParquetCompressionCodec = (typeof COMPRESSION_CODECS)[number];

export interface ParquetOutputOptions<K, V> {
  readonly schema: ParquetColumns;
  /** The row of one output record; it must not have fields outside the schema. */
  readonly toRow: (key: K, value: V) => Record<string, unknown>;
  /**
   * Rows per row group (default 65536). A row group is buffered in memory until written, and is
   * the unit of input splits when the file is read back with parquetInput.
   */
  readonly rowGroupSize?: number;
  /** Page compression of every column (default SNAPPY, like Hive and Spark). */
  readonly compression?: ParquetCompressionCodec;
  /** Write DATA_PAGE_V2 pages (default false: V1 pages, which every reader supports). */
  readonly dataPageV2?: boolean;
}

const DEFAULT_ROW_GROUP_SIZE = 65536;
const INT32_MIN = -(2n ** 31n);
const INT32_MAX = 2n ** 31n - 1n;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;
/** The range of a JavaScript Date, in ms since the epoch. */
const DATE_MAX_MS = 8_640_000_000_000_000n;

function describe(v: unknown): string {
  if (typeof v === 'string') return `string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  if (typeof v === 'bigint') return `bigint ${v}`;
  if (typeof v === 'number' || typeof v === 'boolean') return `${typeof v} ${v}`;
  return v === null ? 'null' : typeof v === 'object' ? `${v.constructor?.name ?? 'object'}` : typeof v;
}

/** An integer in [min, max] from a bigint or a safe-integer number (larger numbers may be inexact). */
function integer(v: unknown, min: bigint, max: bigint, type: string): bigint {
  let b: bigint;
  if (typeof v === 'bigint') b = v;
  else if (typeof v === 'number' && Number.isSafeInteger(v)) b = BigInt(v);
  else throw new Error(`${type} needs a bigint or a safe-integer number, got ${describe(v)}`);
  if (b < min || b > max) throw new Error(`${b} is out of range for ${type} [${min}, ${max}]`);
  return b;
}

function epochMillis(v: Date, type: string): bigint {
  const ms = v.getTime();
  if (Number.isNaN(ms)) throw new Error(`${type} got an invalid Date`);
  return BigInt(ms);
}

/** Converts a (non-null) row value to what the library is handed; throws naming the problem. */
type Convert = (v: unknown) => unknown;

const CONVERT: Record<ParquetColumnType, Convert> = {
  BOOLEAN: (v) => {
    if (typeof v !== 'boolean') throw new Error(`BOOLEAN needs a boolean, got ${describe(v)}`);
    return v;
  },
  INT32: (v) => Number(integer(v, INT32_MIN, INT32_MAX, 'INT32')),
  INT64: (v) => integer(v, INT64_MIN, INT64_MAX, 'INT64'),
  // Handed over as the signed INT64 with the same bits: see `annotation` below.
  UINT_64: (v) => BigInt.asIntN(64, integer(v, 0n, UINT64_MAX, 'UINT_64')),
  FLOAT: (v) => {
    if (typeof v !== 'number') throw new Error(`FLOAT needs a number, got ${describe(v)}`);
    return v;
  },
  DOUBLE: (v) => {
    if (typeof v !== 'number') throw new Error(`DOUBLE needs a number, got ${describe(v)}`);
    return v;
  },
  UTF8: (v) => {
    if (typeof v !== 'string') throw new Error(`UTF8 needs a string, got ${describe(v)}`);
    return v;
  },
  BYTE_ARRAY: (v) => {
    if (Buffer.isBuffer(v)) return v;
    if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
    throw new Error(`BYTE_ARRAY needs a Buffer or Uint8Array, got ${describe(v)}`);
  },
  TIMESTAMP_MILLIS: (v) => (v instanceof Date ? epochMillis(v, 'TIMESTAMP_MILLIS') : integer(v, -DATE_MAX_MS, DATE_MAX_MS, 'TIMESTAMP_MILLIS')),
  TIMESTAMP_MICROS: (v) =>
    v instanceof Date ? epochMillis(v, 'TIMESTAMP_MICROS') * 1000n : integer(v, INT64_MIN, INT64_MAX, 'TIMESTAMP_MICROS'),
};

/**
 * Types the library is told are plain INT64, their annotation being put back into the footer:
 * @dsnp/parquetjs cannot write UINT_64 values of 2^63 or more (it range-checks them as unsigned, then
 * encodes with Buffer.writeBigInt64LE, which throws), rejects negative (pre-1970) TIMESTAMP_MILLIS /
 * TIMESTAMP_MICROS values and bigint TIMESTAMP_MILLIS. As plain INT64 the values are written exactly.
 */
const ANNOTATED_INT64: Partial<Record<ParquetColumnType, OriginalType>> = {
  UINT_64: 'UINT_64',
  TIMESTAMP_MILLIS: 'TIMESTAMP_MILLIS',
  TIMESTAMP_MICROS: 'TIMESTAMP_MICROS',
};

interface PlannedColumn {
  readonly name: string;
  readonly convert: Convert;
  readonly optional: boolean;
  readonly repeated: boolean;
  readonly field: FieldDefinition;
  readonly annotation?: OriginalType;
}

/** The validated schema: how rows are checked and converted, and the library schema to write. */
class Plan {
  readonly columns: PlannedColumn[] = [];
  private readonly names = new Set<string>();

  constructor(schema: ParquetColumns, compression: ParquetCompressionCodec) {
    for (const [name, spec] of Object.entries(schema)) {
      const col = typeof spec === 'string' ? { type: spec } : spec;
      if (!name || name.includes(',')) throw new Error(`parquetOutput: invalid column name ${JSON.stringify(name)}`);
      const convert = CONVERT[col.type];
      if (!convert) throw new Error(`parquetOutput: column "${name}" has unsupported type ${String(col.type)}`);
      if (col.optional && col.repeated) throw new Error(`parquetOutput: column "${name}" cannot be both optional and repeated`);
      const annotation = ANNOTATED_INT64[col.type];
      const field: FieldDefinition = {
        type: (annotation ? 'INT64' : col.type) satisfies ParquetType,
        optional: !!col.optional,
        repeated: !!col.repeated,
        compression,
      };
      // No min/max statistics where the library would get the order wrong: it compares UINT_64 as
      // signed and UTF8 strings by UTF-16 code units (Parquet orders both as unsigned bytes).
      if (col.type === 'UINT_64' || col.type === 'UTF8') field.statistics = false;
      this.columns.push({ name, convert, optional: !!col.optional, repeated: !!col.repeated, field, ...(annotation ? { annotation } : {}) });
      this.names.add(name);
    }
    if (this.columns.length === 0) throw new Error('parquetOutput: the schema has no column');
  }

  /** A fresh library schema (each writer mutates its own, see ParquetRecordWriter.open). */
  async librarySchema(): Promise<ParquetSchema> {
    const def: Record<string, FieldDefinition> = {};
    for (const c of this.columns) def[c.name] = { ...c.field };
    const { ParquetSchema } = await import('@dsnp/parquetjs');
    try {
      return new ParquetSchema(def);
    } catch (err) {
      throw new Error(`parquetOutput: invalid schema: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** The row as handed to the library: schema columns only, values converted and checked. */
  toLibraryRow(row: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const c of this.columns) {
      const v = row[c.name];
      if (v === undefined || v === null) {
        if (!c.optional && !c.repeated) throw new Error(`column "${c.name}" is required, the row has ${v}`);
        continue;
      }
      try {
        if (!c.repeated) {
          out[c.name] = c.convert(v);
        } else {
          if (!Array.isArray(v)) throw new Error(`a repeated column needs an array, got ${describe(v)}`);
          out[c.name] = v.map((x: unknown, i) => {
            if (x === undefined || x === null) throw new Error(`element ${i} is ${x} (a repeated column holds no nulls)`);
            return c.convert(x);
          });
        }
      } catch (err) {
        throw new Error(`column "${c.name}": ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    for (const k of Object.keys(row)) if (!this.names.has(k)) throw new Error(`row field "${k}" is not a column of the schema`);
    return out;
  }
}

/**
 * Hands the library's writes to a FileSystem stream with back-pressure. A storage error is kept and
 * rethrown by `check()`: the library does not await all its writes, so failing them would make
 * unhandled rejections.
 */
class StorageSink extends Writable {
  bytes = 0;
  private error: unknown;
  private readonly failed: Promise<void>;

  constructor(private readonly target: Writable) {
    super();
    this.failed = new Promise((resolve) =>
      target.on('error', (e: unknown) => {
        this.error ??= e;
        resolve();
      }),
    );
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    if (this.error !== undefined) return done();
    this.bytes += chunk.length;
    if (this.target.write(chunk)) return done();
    void Promise.race([once(this.target, 'drain').catch(() => undefined), this.failed]).then(() => done());
  }

  override _final(done: (error?: Error | null) => void): void {
    if (this.error !== undefined) return done();
    this.target.end();
    finished(this.target)
      .catch((e: unknown) => {
        this.error ??= e;
      })
      .then(() => done());
  }

  check(): void {
    if (this.error !== undefined) throw this.error;
  }
}

/** The library types its output as an fs.WriteStream though it only calls write(buf, cb) and end(cb). */
type WritableForLibrary = Parameters<typeof ParquetWriter.openStream>[1];

class ParquetRecordWriter<K, V> implements RecordWriter<K, V> {
  private rows: Record<string, unknown>[] = [];
  private writer: Promise<ParquetWriter> | undefined;
  private readonly sink: StorageSink;

  constructor(
    private readonly path: string,
    private readonly plan: Plan,
    private readonly options: ParquetOutputOptions<K, V>,
  ) {
    this.sink = new StorageSink(fileSystemFor(path).create(path));
  }

  get bytesWritten(): number {
    return this.sink.bytes;
  }

  write(key: K, value: V): void {
    const row = this.options.toRow(key, value);
    try {
      this.rows.push(this.plan.toLibraryRow(row));
    } catch (err) {
      throw new Error(`parquet output ${this.path}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private open(): Promise<ParquetWriter> {
    this.writer ??= (async () => {
      const schema = await this.plan.librarySchema();
      const { ParquetWriter } = await import('@dsnp/parquetjs');
      const writer = await ParquetWriter.openStream(schema, this.sink as unknown as WritableForLibrary, {
        rowGroupSize: this.options.rowGroupSize ?? DEFAULT_ROW_GROUP_SIZE,
        useDataPageV2: this.options.dataPageV2 ?? false,
      });
      // Put the UINT_64 / TIMESTAMP_* annotations (see ANNOTATED_INT64) back just before the footer
      // is encoded from the schema, once every row group is written as plain INT64.
      const envelope = writer.envelopeWriter;
      const annotated = this.plan.columns.filter((c) => c.annotation);
      if (envelope && annotated.length > 0) {
        const writeFooter = envelope.writeFooter.bind(envelope);
        envelope.writeFooter = (userMetadata) => {
          for (const c of annotated) schema.fields[c.name]!.originalType = c.annotation;
          return writeFooter(userMetadata);
        };
      }
      return writer;
    })();
    return this.writer;
  }

  async flush(): Promise<void> {
    this.sink.check();
    if (this.rows.length === 0 && this.writer) return;
    const writer = await this.open();
    const rows = this.rows;
    this.rows = [];
    for (const row of rows) await writer.appendRow(row);
    this.sink.check();
  }

  async close(): Promise<void> {
    await this.flush();
    await (await this.open()).close();
    this.sink.check();
  }
}

/**
 * Parquet files (`.parquet`) with the given flat schema, one row per output record (`toRow`). `write`
 * checks and converts the row at once (errors name the file and column); rows are handed to the
 * encoder on `flush`/`close`. INT64 and UINT_64 are exact over their whole range.
 */
export function parquetOutput<K = unknown, V = unknown>(options: ParquetOutputOptions<K, V>): OutputFormat<K, V> {
  const rowGroupSize = options.rowGroupSize ?? DEFAULT_ROW_GROUP_SIZE;
  if (!Number.isSafeInteger(rowGroupSize) || rowGroupSize < 1) throw new Error(`parquetOutput: rowGroupSize must be a positive integer, got ${rowGroupSize}`);
  const compression = options.compression ?? 'SNAPPY';
  if (!COMPRESSION_CODECS.includes(compression)) throw new Error(`parquetOutput: unsupported compression ${String(compression)}; expected one of ${COMPRESSION_CODECS.join(', ')}`);
  const plan = new Plan(options.schema, compression);
  return {
    name: 'parquet',
    extension: '.parquet',
    createRecordWriter: (path) => new ParquetRecordWriter<K, V>(path, plan, options),
  };
}
