import type { FieldSchema, IndexSchema } from '../../index/schema/model.ts';
import type { Scalar } from '../../index/values.ts';

/** The query IR the planner builds from node-sql-parser's AST and the executor runs. */

/** `<t>` is the attribute table, `<t>_summary_` the summary table (same documents, other columns). */
export type TableKind = 'attribute' | 'summary';

/** A resolved column: where its values come from. */
export interface ColumnExpr {
  readonly kind: 'column';
  readonly table: TableKind;
  readonly field: FieldSchema;
}

export interface LiteralExpr {
  readonly kind: 'literal';
  readonly value: Scalar;
}

export type ValueExpr = ColumnExpr | LiteralExpr;

export type CmpOp = '=' | '!=' | '<' | '<=' | '>' | '>=';

/** MATCHINDEX('<index>', '<query>'): the document holds every term (AND). */
export interface MatchExpr {
  readonly kind: 'match';
  readonly index: IndexSchema;
  /** Analyzed query terms, deduplicated; none = matches nothing. */
  readonly terms: readonly string[];
}

export type BoolExpr =
  | { readonly kind: 'cmp'; readonly op: CmpOp; readonly left: ValueExpr; readonly right: ValueExpr }
  | { readonly kind: 'in'; readonly negated: boolean; readonly left: ValueExpr; readonly list: readonly ValueExpr[] }
  | { readonly kind: 'and' | 'or'; readonly args: readonly BoolExpr[] }
  | { readonly kind: 'not'; readonly arg: BoolExpr }
  | { readonly kind: 'const'; readonly value: boolean }
  | MatchExpr;

/** One output column: a field, or count(*) (which makes the query an aggregate). */
export interface OutputColumn {
  readonly name: string;
  readonly value: ColumnExpr | { readonly kind: 'count' };
}

export interface OrderKey {
  readonly value: ColumnExpr | { readonly kind: 'count' };
  readonly desc: boolean;
}

export interface QueryPlan {
  /** Tables of the FROM clause, in order (one, or both joined on the primary key). */
  readonly tables: readonly TableKind[];
  readonly columns: readonly OutputColumn[];
  /** All output columns are count(*): one row. */
  readonly aggregate: boolean;
  readonly where: BoolExpr | undefined;
  readonly orderBy: readonly OrderKey[];
  readonly limit: number | undefined;
  readonly offset: number;
}
