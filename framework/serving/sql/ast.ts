import pkg from 'node-sql-parser';
import { protectBigIntegers } from './literals.ts';

const { Parser } = pkg;

/** A node of node-sql-parser's AST, inspected field by field (its typings are too loose to rely on). */
export type AstNode = Readonly<Record<string, unknown>>;

export function isNode(v: unknown): v is AstNode {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** An array field of a node ([] when absent). */
export function nodes(v: unknown): AstNode[] {
  return Array.isArray(v) ? v.filter(isNode) : [];
}

/** A parsed SELECT statement and the marker of its protected big-integer literals. */
export interface ParsedSelect {
  readonly ast: AstNode;
  readonly marker: string;
}

/** Parse one SELECT statement (MySQL dialect); anything else is a clear error. */
export function parseSelect(sql: string): ParsedSelect {
  const { sql: text, marker } = protectBigIntegers(sql);
  let parsed: unknown;
  try {
    parsed = new Parser().astify(text, { database: 'MySQL' });
  } catch (err) {
    const msg = (err as Error).message.split('\n')[0]!.split(marker).join('');
    throw new Error(`SQL syntax error: ${msg.length > 300 ? `${msg.slice(0, 300)}...` : msg}`);
  }
  const list = Array.isArray(parsed) ? parsed : [parsed];
  if (list.length !== 1) throw new Error(`unsupported SQL: ${list.length} statements; send exactly one SELECT`);
  const ast = list[0];
  if (!isNode(ast)) throw new Error('unsupported SQL: empty statement');
  if (ast.type !== 'select') throw new Error(`unsupported SQL: ${String(ast.type).toUpperCase()} statements (only SELECT is supported)`);
  return { ast, marker };
}

/** The name of a function node (`MATCHINDEX`, `lower`, ...), as written. */
export function functionName(node: AstNode): string {
  const name = node.name;
  if (typeof name === 'string') return name;
  if (isNode(name)) {
    const parts = nodes(name.name).map((p) => String(p.value));
    if (parts.length) return parts.join('.');
  }
  return '?';
}

/** The column name of a column_ref node (plain string or `{expr: {value}}` form). */
export function columnName(node: AstNode): string {
  const c = node.column;
  if (typeof c === 'string') return c;
  if (isNode(c) && isNode(c.expr)) return String(c.expr.value);
  return String(c);
}

/** Table names of a statement's FROM clause, in order (for finding which table to load). */
export function fromTables(sql: string): string[] {
  const { ast } = parseSelect(sql);
  return nodes(ast.from)
    .map((f) => f.table)
    .filter((t): t is string => typeof t === 'string');
}
