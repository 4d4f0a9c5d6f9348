import { isDeepStrictEqual } from 'node:util';
import type { FieldSchema, TableSchema } from '../index/schema/model.ts';
import type { FieldValue } from '../index/values.ts';
import { inspectGeneration, newestLoadableGeneration } from './generation.ts';
import { PartitionReader } from './partition.ts';

export { PartitionReader } from './partition.ts';

/** A full table as a searcher serves it: every partition of one published generation. */
export interface LoadedTable {
  readonly table: string;
  readonly indexRoot: string;
  readonly generationId: number;
  readonly generationDir: string;
  readonly schema: TableSchema;
  /** In hash-range order; row order of unsorted queries is partition, then docid. */
  readonly partitions: readonly PartitionReader[];
  readonly docCount: number;
}

export interface LoadOptions {
  /** Load this generation instead of the newest published one. */
  readonly generation?: number;
}

/**
 * Load the newest published generation of `table` under `indexRoot` (or `options.generation`): a
 * `generation_<n>` whose partitions all have a `version.N` and cover hash ids 0..65535. Every
 * partition must carry the same schema. Throws a clear error when there is nothing to load.
 */
export function loadTable(indexRoot: string, table: string, options: LoadOptions = {}): LoadedTable {
  const gen = options.generation !== undefined ? inspectGeneration(indexRoot, table, options.generation) : newestLoadableGeneration(indexRoot, table);
  if (!gen) throw new Error(`table ${table}: no published generation under ${indexRoot} (build one: bsctl run full-build --table ${table})`);
  if (gen.partitions.length === 0) throw new Error(`table ${table}: generation ${gen.id} does not exist under ${indexRoot}`);
  if (gen.problem) throw new Error(`table ${table}: generation ${gen.id} is not loadable: ${gen.problem}`);
  const partitions = gen.partitions.map((p) => new PartitionReader(p));
  const schema = partitions[0]!.schema;
  for (const p of partitions.slice(1)) {
    if (!isDeepStrictEqual(p.schema, schema)) throw new Error(`table ${table}: generation ${gen.id}: ${p.name}'s schema.json differs from ${partitions[0]!.name}'s`);
  }
  return {
    table,
    indexRoot,
    generationId: gen.id,
    generationDir: gen.dir,
    schema,
    partitions,
    docCount: partitions.reduce((n, p) => n + p.docCount, 0),
  };
}

/** Schema fields by name. */
export function fieldsByName(schema: TableSchema): Map<string, FieldSchema> {
  return new Map(schema.fields.map((f) => [f.name, f]));
}

/**
 * One stored document as the loader sees it: every attribute and summary field, typed (attribute
 * values win where a field is both), in schema field order.
 */
export function storedDocument(partition: PartitionReader, docId: number): Record<string, FieldValue> {
  const schema = partition.schema;
  const summary = partition.summary()?.get(docId) ?? {};
  const attrs = new Set(schema.attributes);
  const out: Record<string, FieldValue> = {};
  for (const f of schema.fields) {
    if (attrs.has(f.name)) out[f.name] = partition.attribute(f.name).get(docId);
    else if (summary[f.name] !== undefined) out[f.name] = summary[f.name]!;
  }
  return out;
}
