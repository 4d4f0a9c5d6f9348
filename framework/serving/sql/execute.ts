import type { FieldValue, Scalar } from '../../index/values.ts';
import { parseScalar } from '../../index/values.ts';
import type { Cell, Row } from '../json-lines.ts';
import type { LoadedTable } from '../loader.ts';
import { matchDocIds } from '../match.ts';
import type { PartitionReader } from '../partition.ts';
import { compareCells, compareScalars } from './compare.ts';
import type { BoolExpr, ColumnExpr, MatchExpr, QueryPlan, ValueExpr } from './ir.ts';

/** One document being evaluated; its summary is decoded at most once. */
class DocContext {
  private summary: Record<string, FieldValue> | undefined;

  constructor(
    readonly partition: PartitionReader,
    readonly docId: number,
  ) {}

  column(c: ColumnExpr): FieldValue {
    if (c.table === 'attribute') return this.partition.attribute(c.field.name).get(this.docId);
    this.summary ??= this.partition.summary()!.get(this.docId);
    const v = this.summary[c.field.name];
    if (v === undefined) throw new Error(`${this.partition.name}: document ${this.docId} has no stored ${c.field.name}`);
    return v;
  }
}

/** Per-partition state: MATCHINDEX results, and whether primary keys can be looked up by value. */
class PartitionState {
  private readonly matches = new Map<MatchExpr, Set<number>>();
  private canonicalKeys: boolean | undefined;

  constructor(readonly partition: PartitionReader) {}

  matched(m: MatchExpr): Set<number> {
    let s = this.matches.get(m);
    if (!s) this.matches.set(m, (s = new Set(matchDocIds(this.partition, m.index, m.terms))));
    return s;
  }

  /**
   * Whether every stored primary key is the canonical text of its typed value (then `pk = literal`
   * can use the primary-key index; a key written "01" for a UINT32 would defeat the lookup).
   */
  pkLookupSafe(): boolean {
    if (this.canonicalKeys === undefined) {
      const schema = this.partition.schema;
      const field = schema.fields.find((f) => f.name === schema.primaryKey)!;
      const pk = this.partition.primaryKey();
      let ok = !field.multiValue;
      for (let d = 0; ok && d < this.partition.docCount; d++) {
        const key = pk.keyOf(d);
        const v = parseScalar(field.type, key);
        ok = typeof v !== 'object' && String(v) === key;
      }
      this.canonicalKeys = ok;
    }
    return this.canonicalKeys;
  }
}

const scalars = (v: FieldValue): readonly Scalar[] => (Array.isArray(v) ? v : [v as Scalar]);

function valueOf(e: ValueExpr, doc: DocContext): FieldValue {
  return e.kind === 'literal' ? e.value : doc.column(e);
}

/** Any pair of (left, right) values satisfying `test`: multi-value fields match if any value does. */
function anyPair(left: FieldValue, right: FieldValue, test: (c: number) => boolean): boolean {
  for (const l of scalars(left)) for (const r of scalars(right)) if (test(compareScalars(l, r))) return true;
  return false;
}

/**
 * Evaluate a condition on one document. Multi-value fields: `=`, `<`, ..., IN hold when some value
 * does; `!=` and NOT IN hold when no value is equal.
 */
function evaluate(e: BoolExpr, doc: DocContext, state: PartitionState): boolean {
  switch (e.kind) {
    case 'and': return e.args.every((a) => evaluate(a, doc, state));
    case 'or': return e.args.some((a) => evaluate(a, doc, state));
    case 'not': return !evaluate(e.arg, doc, state);
    case 'const': return e.value;
    case 'match': return state.matched(e).has(doc.docId);
    case 'in': {
      const left = valueOf(e.left, doc);
      const hit = e.list.some((item) => anyPair(left, valueOf(item, doc), (c) => c === 0));
      return e.negated ? !hit : hit;
    }
    case 'cmp': {
      const l = valueOf(e.left, doc);
      const r = valueOf(e.right, doc);
      switch (e.op) {
        case '=': return anyPair(l, r, (c) => c === 0);
        case '!=': return !anyPair(l, r, (c) => c === 0);
        case '<': return anyPair(l, r, (c) => c < 0);
        case '<=': return anyPair(l, r, (c) => c <= 0);
        case '>': return anyPair(l, r, (c) => c > 0);
        case '>=': return anyPair(l, r, (c) => c >= 0);
      }
    }
  }
}

/**
 * Docids that can possibly match `e` in this partition (ascending), or undefined for "any": narrows
 * the scan by MATCHINDEX postings and `pk = literal` lookups. The full condition is still evaluated.
 */
function candidates(e: BoolExpr | undefined, state: PartitionState): number[] | undefined {
  if (!e) return undefined;
  switch (e.kind) {
    case 'match':
      return [...state.matched(e)];
    case 'and': {
      let best: number[] | undefined;
      for (const a of e.args) {
        const c = candidates(a, state);
        if (c && (!best || c.length < best.length)) best = c;
      }
      return best;
    }
    case 'or': {
      const all = new Set<number>();
      for (const a of e.args) {
        const c = candidates(a, state);
        if (!c) return undefined;
        for (const d of c) all.add(d);
      }
      return [...all].sort((a, b) => a - b);
    }
    case 'cmp':
    case 'in': {
      const pkName = state.partition.schema.primaryKey;
      const values = e.kind === 'cmp' ? (e.op === '=' ? [e.right] : []) : e.negated ? [] : e.list;
      if (e.left.kind !== 'column' || e.left.field.name !== pkName || values.length === 0) return undefined;
      if (values.some((v) => v.kind !== 'literal') || !state.pkLookupSafe()) return undefined;
      const pk = state.partition.primaryKey();
      const ids = new Set<number>();
      for (const v of values) {
        const d = pk.lookup(String((v as { value: Scalar }).value));
        if (d !== undefined) ids.add(d);
      }
      return [...ids].sort((a, b) => a - b);
    }
    default:
      return undefined;
  }
}

/** Documents matching the plan's WHERE, in partition then docid order. */
function* matchingDocs(table: LoadedTable, plan: QueryPlan): Generator<DocContext> {
  for (const partition of table.partitions) {
    if (plan.tables.includes('summary') && partition.docCount > 0 && !partition.summary()) {
      throw new Error(`${partition.name}: no summary store`);
    }
    const state = new PartitionState(partition);
    const cands = candidates(plan.where, state);
    const n = cands ? cands.length : partition.docCount;
    for (let i = 0; i < n; i++) {
      const doc = new DocContext(partition, cands ? cands[i]! : i);
      if (!plan.where || evaluate(plan.where, doc, state)) yield doc;
    }
  }
}

/** The result rows of a plan over a loaded table. */
export function execute(table: LoadedTable, plan: QueryPlan): Row[] {
  const end = plan.limit === undefined ? Infinity : plan.offset + plan.limit;
  if (plan.aggregate) {
    let count = 0;
    if (!plan.where) count = table.docCount;
    else for (const _ of matchingDocs(table, plan)) count++;
    const row: Row = plan.columns.map((c) => [c.name, count] as const);
    return [row].slice(plan.offset, end);
  }
  const project = (doc: DocContext): Row => plan.columns.map((c) => [c.name, doc.column(c.value as ColumnExpr)] as const);
  if (plan.orderBy.length === 0) {
    const rows: Row[] = [];
    let seen = 0;
    for (const doc of matchingDocs(table, plan)) {
      if (seen >= end) break;
      if (seen++ >= plan.offset) rows.push(project(doc));
    }
    return rows;
  }
  const keyed: { doc: DocContext; keys: Cell[] }[] = [];
  for (const doc of matchingDocs(table, plan)) keyed.push({ doc, keys: plan.orderBy.map((k) => doc.column(k.value as ColumnExpr)) });
  keyed.sort((a, b) => {
    for (let i = 0; i < plan.orderBy.length; i++) {
      const c = compareCells(a.keys[i]!, b.keys[i]!);
      if (c !== 0) return plan.orderBy[i]!.desc ? -c : c;
    }
    return 0; // stable: ties keep partition, docid order
  });
  return keyed.slice(plan.offset, end).map((k) => project(k.doc));
}
