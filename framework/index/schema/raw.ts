/**
 * The dialect-neutral intermediate form every parser (parse-hape/legacy/tablet) produces and
 * validate.ts turns into a TableSchema. Values are as written (types not yet normalised); each one
 * carries the config key path it came from so validation errors can name it.
 */

import type { SummaryCompression } from './model.ts';

/** A value read from the schema JSON with its key path, e.g. `indexes[3].index_config.index_fields[0].field_name`. */
export interface Keyed<T> {
  readonly value: T;
  readonly key: string;
}

export interface RawField {
  readonly name: Keyed<string>;
  /** As written, upper-cased (`INTEGER`, `UINT32`, `TIME`, ...). */
  readonly type: Keyed<string>;
  readonly analyzer?: Keyed<string>;
  readonly multiValue: boolean;
  readonly separator?: Keyed<string>;
  readonly defaultValue?: string;
  readonly nullable: boolean;
  /** Explicit per-field updatability (hape `updatable`, legacy `updatable_multi_value: true`). */
  readonly updatable?: boolean;
}

export interface RawIndexField {
  readonly field: Keyed<string>;
  readonly boost: number;
}

/** An inverted (or unsupported) index; ATTRIBUTE and SUMMARY go to RawSchema.attributes / summaryFields. */
export interface RawIndex {
  /** The index entry itself, e.g. `indexes[3]`. */
  readonly key: string;
  readonly name: Keyed<string>;
  /** As written, upper-cased (`PRIMARY_KEY64`, `PRIMARYKEY64`, `ANN`, ...). */
  readonly type: Keyed<string>;
  /** Where the field list is (or would be), for "needs exactly one field" errors. */
  readonly fieldsKey: string;
  readonly fields: readonly RawIndexField[];
}

export interface RawAttribute {
  readonly field: Keyed<string>;
  /** Explicit attribute-level updatability (tablet/legacy `updatable`). */
  readonly updatable?: boolean;
}

export interface RawSchema {
  readonly dialect: 'hape' | 'legacy' | 'tablet';
  readonly tableName?: string;
  readonly fields: readonly RawField[];
  readonly indexes: readonly RawIndex[];
  /** Key named by "no primary key" (`indexes`, `indexs`, `indexes.primarykey`). */
  readonly indexesKey: string;
  readonly attributes: readonly RawAttribute[];
  readonly summaryFields: readonly Keyed<string>[];
  /** The summary's block compressor, validated (`compress: true` alone = zlib, as Havenask). */
  readonly summaryCompression?: Keyed<SummaryCompression>;
}
