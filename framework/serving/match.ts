import { getAnalyzer } from '../index/analyzers/registry.ts';
import type { IndexSchema, TableSchema } from '../index/schema/model.ts';
import { INVERTED_TYPES, type PartitionReader } from './partition.ts';

/** Index types MATCHINDEX accepts: the inverted indexes and the primary key. */
const MATCHABLE = new Set([...INVERTED_TYPES, 'PRIMARY_KEY64', 'PRIMARY_KEY128']);

/** The index MATCHINDEX names; throws naming the table's indexes when there is none. */
export function matchableIndex(schema: TableSchema, table: string, name: string): IndexSchema {
  const candidates = schema.indexes.filter((i) => MATCHABLE.has(i.type));
  const index = candidates.find((i) => i.name === name);
  if (!index) {
    throw new Error(`MATCHINDEX: table ${table} has no index "${name}" (its indexes: ${candidates.map((i) => i.name).join(', ') || 'none'})`);
  }
  return index;
}

/**
 * The terms a MATCHINDEX query stands for: TEXT indexes analyze it with their field's analyzer,
 * PACK indexes with their first field's; STRING, NUMBER and primary-key indexes take the whole
 * string as one term (NUMBER: its canonical decimal form). Duplicates are dropped.
 */
export function analyzeQuery(schema: TableSchema, index: IndexSchema, query: string): string[] {
  let terms: string[];
  if (index.type === 'TEXT' || index.type === 'PACK') {
    const field = schema.fields.find((f) => f.name === index.fields[0]?.field);
    if (!field) throw new Error(`MATCHINDEX: index ${index.name} has no field`);
    terms = getAnalyzer(field.analyzer ?? 'simple_analyzer').tokenize(query);
  } else if (index.type === 'NUMBER') {
    const t = query.trim();
    terms = /^[+-]?\d+$/.test(t) ? [BigInt(t).toString()] : [t];
  } else {
    terms = query === '' ? [] : [query];
  }
  return [...new Set(terms)];
}

/** Docids of one partition holding every term, ascending; postings are read per term on demand. */
export function matchDocIds(partition: PartitionReader, index: IndexSchema, terms: readonly string[]): number[] {
  if (terms.length === 0) return [];
  if (index.type === 'PRIMARY_KEY64' || index.type === 'PRIMARY_KEY128') {
    if (terms.length !== 1) return [];
    const d = partition.primaryKey().lookup(terms[0]!);
    return d === undefined ? [] : [d];
  }
  const reader = partition.invertedIndex(index);
  let result = reader.docIds(terms[0]!);
  for (const t of terms.slice(1)) {
    if (result.length === 0) break;
    const next = new Set(reader.docIds(t));
    result = result.filter((d) => next.has(d));
  }
  return result;
}
