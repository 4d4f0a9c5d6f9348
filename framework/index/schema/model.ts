/** One typed table schema, whatever dialect it was written in (havenask.md §2). */

export type FieldType =
  | 'TEXT' | 'STRING'
  | 'INT8' | 'UINT8' | 'INT16' | 'UINT16' | 'INT32' | 'UINT32' | 'INT64' | 'UINT64'
  | 'FLOAT' | 'DOUBLE' | 'RAW';

export interface FieldSchema {
  readonly name: string;
  readonly type: FieldType;
  /** Analyzer name for TEXT fields (default simple_analyzer). */
  readonly analyzer?: string;
  readonly multiValue: boolean;
  /** Multi-value separator (default "\x1D"). */
  readonly separator: string;
  /** Value used when the document's value is empty or missing (raw string, parsed by type). */
  readonly defaultValue?: string;
  /**
   * Whether update_field may change it. Only attribute fields can be updatable; the default follows
   * Havenask: single-value numeric attributes yes, STRING / RAW / multi-value attributes no (unless set).
   */
  readonly updatable: boolean;
  /** Set (true) only when the schema enables null for the field (`nullable` / `enable_null`). */
  readonly nullable?: boolean;
}

/** Block compressors of the summary store (schema `compress` / `compress_type`); docs/index-format.md "Summary". */
export const SUMMARY_COMPRESSORS = ['lz4', 'zlib', 'zlib_default'] as const;
export type SummaryCompression = (typeof SUMMARY_COMPRESSORS)[number];

export type IndexType = 'PRIMARY_KEY64' | 'PRIMARY_KEY128' | 'TEXT' | 'PACK' | 'STRING' | 'NUMBER' | 'ATTRIBUTE' | 'SUMMARY';

export interface IndexField {
  readonly field: string;
  /** Per-field boost (PACK); default 0 when not given. */
  readonly boost: number;
}

export interface IndexSchema {
  readonly name: string;
  readonly type: IndexType;
  readonly fields: readonly IndexField[];
}

export interface TableSchema {
  readonly tableName?: string;
  /** Which dialect the file was written in. */
  readonly dialect: 'hape' | 'legacy' | 'tablet';
  readonly fields: readonly FieldSchema[];
  /** Inverted indexes (PRIMARY_KEY*, TEXT, PACK, STRING, NUMBER), in schema order. */
  readonly indexes: readonly IndexSchema[];
  /** Attribute field names, in schema order. */
  readonly attributes: readonly string[];
  /** Summary field names, in schema order. */
  readonly summaryFields: readonly string[];
  /** How the summary store is compressed, block by block (absent: stored as is). */
  readonly summaryCompression?: SummaryCompression;
  /** The primary key field (= shard field). */
  readonly primaryKey: string;
  readonly primaryKeyIndex: string;
  /** Indexes that were skipped (--skip-unsupported-indexes), with their type. */
  readonly skippedIndexes: readonly { readonly name: string; readonly type: string }[];
}

/** A schema problem, naming the file and the config key (e.g. `indexes[2].index_config.index_fields[0].field_name`). */
export class SchemaError extends Error {
  constructor(
    readonly file: string,
    readonly key: string,
    reason: string,
  ) {
    super(`${file}: ${key}: ${reason}`);
    this.name = 'SchemaError';
  }
}

export interface SchemaLoadOptions {
  /** Skip ANN, SPATIAL, ... indexes with a warning instead of failing. */
  readonly skipUnsupportedIndexes?: boolean;
  readonly warn?: (message: string) => void;
}
