import { fromTables } from './sql/ast.ts';
import { execute } from './sql/execute.ts';
import type { QueryPlan } from './sql/ir.ts';
import { planQuery, SUMMARY_SUFFIX } from './sql/plan.ts';
import { jsonLine, type Row } from './json-lines.ts';
import type { LoadedTable } from './loader.ts';

export type { Row, Cell } from './json-lines.ts';
export type { QueryPlan } from './sql/ir.ts';

/**
 * SQL over a loaded full table, as Havenask's SQL service answers the §6 example queries:
 * `<t>` is the attribute table (columns = attribute fields), `<t>_summary_` the summary table; the two
 * join on the primary key. Supported: SELECT columns / * / t.* / count(*) with aliases; WHERE with
 * = != <> < <= > >= IN, NOT IN, AND, OR, NOT, parentheses and MATCHINDEX('<index>', '<query>');
 * ORDER BY columns, aliases or positions (ASC/DESC); LIMIT n, LIMIT n OFFSET m, LIMIT m, n.
 * Anything else throws an Error beginning "unsupported SQL:" that names it.
 */
export interface QueryResult {
  /** Output column names, in order. */
  readonly columns: readonly string[];
  readonly rows: readonly Row[];
}

/** Plan a query against a loaded table without running it (validates tables, columns, indexes). */
export function plan(table: LoadedTable, sql: string): QueryPlan {
  return planQuery(sql, table.schema, table.table);
}

/** Run one SELECT statement over a loaded table. */
export function query(table: LoadedTable, sql: string): QueryResult {
  const p = plan(table, sql);
  return { columns: p.columns.map((c) => c.name), rows: execute(table, p) };
}

/** Run a query and render its rows as JSON lines (64-bit integers exact, multi-values as arrays). */
export function queryJsonLines(table: LoadedTable, sql: string): string[] {
  return query(table, sql).rows.map(jsonLine);
}

/** The attribute table a statement reads (`in1` for `... from in1_summary_`), if it names one. */
export function tableOfSql(sql: string): string | undefined {
  const first = fromTables(sql)[0];
  if (first === undefined) return undefined;
  return first.endsWith(SUMMARY_SUFFIX) && first.length > SUMMARY_SUFFIX.length ? first.slice(0, -SUMMARY_SUFFIX.length) : first;
}
