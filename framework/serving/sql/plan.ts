import type { FieldSchema, TableSchema } from '../../index/schema/model.ts';
import { isNumeric, type Scalar } from '../../index/values.ts';
import { analyzeQuery, matchableIndex } from '../match.ts';
import { columnName, functionName, isNode, nodes, parseSelect, type AstNode } from './ast.ts';
import type { BoolExpr, CmpOp, ColumnExpr, OrderKey, OutputColumn, QueryPlan, TableKind, ValueExpr } from './ir.ts';
import { unescapeString } from './literals.ts';

/** Suffix of the summary table's name: `<t>_summary_`. */
export const SUMMARY_SUFFIX = '_summary_';

const CMP_OPS: Readonly<Record<string, CmpOp>> = { '=': '=', '!=': '!=', '<>': '!=', '<': '<', '<=': '<=', '>': '>', '>=': '>=' };

const unsupported = (what: string): Error => new Error(`unsupported SQL: ${what}`);

/** One FROM entry: which table it is and the names (table name, alias) that qualify its columns. */
interface Source {
  readonly kind: TableKind;
  readonly tableName: string;
  readonly names: ReadonlySet<string>;
  readonly columns: readonly string[];
}

/**
 * Turns one SELECT (node-sql-parser AST) into a QueryPlan over a loaded table: resolves tables and
 * columns, coerces literals to their column's type, analyzes MATCHINDEX queries, and rejects what
 * the serving tier does not support with an error naming it.
 */
class Planner {
  private readonly fields: ReadonlyMap<string, FieldSchema>;
  private sources: Source[] = [];

  constructor(
    private readonly schema: TableSchema,
    private readonly table: string,
    private readonly marker: string,
  ) {
    this.fields = new Map(schema.fields.map((f) => [f.name, f]));
  }

  plan(ast: AstNode): QueryPlan {
    this.checkClauses(ast);
    this.sources = this.from(ast);
    const columns = this.selectList(ast);
    const counts = columns.filter((c) => c.value.kind === 'count').length;
    if (counts > 0 && counts < columns.length) throw unsupported('count(*) together with other columns (GROUP BY is not supported)');
    const where = ast.where == null ? undefined : this.bool(ast.where);
    const orderBy = this.orderBy(ast, columns);
    if (counts > 0 && orderBy.some((k) => k.value.kind === 'column')) throw unsupported('ORDER BY a column in a count(*) query');
    const { limit, offset } = this.limit(ast.limit);
    return { tables: this.sources.map((s) => s.kind), columns, aggregate: counts > 0, where, orderBy, limit, offset };
  }

  private checkClauses(ast: AstNode): void {
    const present = (v: unknown): boolean => v !== null && v !== undefined && !(Array.isArray(v) && v.length === 0);
    if (present(ast.with)) throw unsupported('WITH (common table expressions)');
    if (present(ast.distinct)) throw unsupported('DISTINCT');
    if (isNode(ast.groupby) ? present(ast.groupby.columns) : present(ast.groupby)) throw unsupported('GROUP BY');
    if (present(ast.having)) throw unsupported('HAVING');
    if (present(ast.window)) throw unsupported('WINDOW');
    if (present(ast._next) || present(ast.set_op)) throw unsupported('UNION / set operations');
    if (isNode(ast.into) && present(ast.into.position)) throw unsupported('SELECT ... INTO');
    if (present(ast.locking_read)) throw unsupported('locking reads (FOR UPDATE / LOCK IN SHARE MODE)');
    if (present(ast.options)) throw unsupported(`SELECT options (${JSON.stringify(ast.options)})`);
  }

  // ---- FROM / JOIN ----

  private source(entry: AstNode): Source {
    if (entry.expr !== undefined && entry.expr !== null) throw unsupported('subqueries (in FROM)');
    const name = entry.table;
    if (typeof name !== 'string') throw unsupported('this FROM item (only table names)');
    const summaryName = `${this.table}${SUMMARY_SUFFIX}`;
    const qualified = typeof entry.db === 'string' && entry.db ? `${entry.db}.${name}` : name;
    let kind: TableKind;
    if (qualified === this.table) kind = 'attribute';
    else if (qualified === summaryName) {
      if (this.schema.summaryFields.length === 0) throw new Error(`unknown table ${name}: table ${this.table} has no summary fields`);
      kind = 'summary';
    } else throw new Error(`unknown table ${qualified}: this index serves ${this.table} (attributes) and ${summaryName} (summary)`);
    const alias = typeof entry.as === 'string' && entry.as ? entry.as : undefined;
    return {
      kind,
      tableName: name,
      names: new Set(alias ? [alias, name] : [name]),
      columns: kind === 'attribute' ? this.schema.attributes : this.schema.summaryFields,
    };
  }

  private from(ast: AstNode): Source[] {
    const from = nodes(ast.from);
    if (from.length === 0) throw new Error(`a FROM clause is required (table ${this.table} or ${this.table}${SUMMARY_SUFFIX})`);
    if (from.length > 2) throw unsupported('joins of more than two tables');
    const sources = from.map((f) => this.source(f));
    if (from.length === 2) {
      const j = from[1]!;
      const join = typeof j.join === 'string' ? j.join.toUpperCase() : undefined;
      if (!join) throw unsupported('comma joins; write FROM t INNER JOIN t_summary_ ON t.pk = t_summary_.pk');
      if (join !== 'INNER JOIN' && join !== 'JOIN') throw unsupported(`${join} (only INNER JOIN of a table and its summary on the primary key)`);
      if (sources[0]!.kind === sources[1]!.kind) throw unsupported(`joining ${sources[0]!.tableName} with itself`);
      if (j.using) throw unsupported('JOIN ... USING; write ON t.pk = t_summary_.pk');
      this.sources = sources;
      this.checkJoinCondition(j.on);
    }
    return sources;
  }

  /** The ON clause must equate the primary key of both tables. */
  private checkJoinCondition(on: unknown): void {
    const pk = this.schema.primaryKey;
    const bad = unsupported(`join condition; only ON ${this.table}.${pk} = ${this.table}${SUMMARY_SUFFIX}.${pk} (the primary key) is supported`);
    if (!isNode(on) || on.type !== 'binary_expr' || on.operator !== '=' || !isNode(on.left) || !isNode(on.right)) throw bad;
    if (on.left.type !== 'column_ref' || on.right.type !== 'column_ref') throw bad;
    const l = this.column(on.left);
    const r = this.column(on.right);
    if (l.field.name !== pk || r.field.name !== pk || l.table === r.table) throw bad;
  }

  // ---- columns ----

  private describeColumns(): string {
    return this.sources.map((s) => `${s.tableName} has ${s.columns.join(', ') || 'no columns'}`).join('; ');
  }

  private column(node: AstNode): ColumnExpr {
    const name = columnName(node);
    const qualifier = typeof node.table === 'string' && node.table ? node.table : undefined;
    let candidates = this.sources;
    if (qualifier) {
      candidates = this.sources.filter((s) => s.names.has(qualifier));
      if (candidates.length === 0) throw new Error(`unknown table or alias "${qualifier}" in ${qualifier}.${name}`);
    }
    const src = candidates.find((s) => s.columns.includes(name));
    if (!src) throw new Error(`unknown column ${qualifier ? `${qualifier}.` : ''}${name} (${this.describeColumns()})`);
    return { kind: 'column', table: src.kind, field: this.fields.get(name)! };
  }

  private selectList(ast: AstNode): OutputColumn[] {
    const out: { name: string; value: OutputColumn['value'] }[] = [];
    const items = Array.isArray(ast.columns) ? nodes(ast.columns) : [{ expr: { type: 'column_ref', table: null, column: '*' }, as: null }];
    for (const item of items) {
      const expr = item.expr;
      if (!isNode(expr)) throw unsupported('this select-list item');
      const alias = typeof item.as === 'string' && item.as ? item.as : undefined;
      if (expr.type === 'column_ref' && columnName(expr) === '*') {
        if (alias) throw unsupported('an alias on *');
        const qualifier = typeof expr.table === 'string' && expr.table ? expr.table : undefined;
        const srcs = qualifier ? this.sources.filter((s) => s.names.has(qualifier)) : this.sources;
        if (srcs.length === 0) throw new Error(`unknown table or alias "${qualifier}" in ${qualifier}.*`);
        const seen = new Set(out.map((c) => c.name));
        for (const s of srcs) {
          for (const c of s.columns) {
            if (!qualifier && seen.has(c)) continue; // t JOIN t_summary_: a field of both appears once
            seen.add(c);
            out.push({ name: c, value: { kind: 'column', table: s.kind, field: this.fields.get(c)! } });
          }
        }
      } else if (expr.type === 'column_ref') {
        const col = this.column(expr);
        out.push({ name: alias ?? col.field.name, value: col });
      } else if (expr.type === 'aggr_func') {
        const fn = String(expr.name).toUpperCase();
        if (fn !== 'COUNT') throw unsupported(`aggregate function ${fn} (only count(*))`);
        const args = isNode(expr.args) ? expr.args : {};
        if (args.distinct) throw unsupported('COUNT(DISTINCT ...)');
        const arg = isNode(args.expr) ? args.expr : undefined;
        let label = 'COUNT(*)';
        if (arg?.type === 'column_ref') label = `COUNT(${this.column(arg).field.name})`; // no NULLs: same as count(*)
        else if (arg?.type !== 'star') throw unsupported('COUNT of an expression (only count(*) or count(column))');
        out.push({ name: alias ?? label, value: { kind: 'count' } });
      } else if (expr.type === 'function') {
        throw unsupported(`function ${functionName(expr)} in the select list`);
      } else {
        throw unsupported(`select-list expression of type ${String(expr.type)} (only columns, *, count(*))`);
      }
    }
    // Duplicate output names get a numeric suffix: id, id0, id1...
    const used = new Set<string>();
    return out.map((c) => {
      let name = c.name;
      for (let i = 0; used.has(name); i++) name = `${c.name}${i}`;
      used.add(name);
      return { name, value: c.value };
    });
  }

  // ---- WHERE ----

  private bool(node: unknown): BoolExpr {
    if (!isNode(node)) throw unsupported('this condition');
    switch (node.type) {
      case 'binary_expr': {
        const op = String(node.operator).toUpperCase();
        if (op === 'AND' || op === 'OR') {
          const kind = op === 'AND' ? 'and' : 'or';
          const args: BoolExpr[] = [];
          for (const side of [this.bool(node.left), this.bool(node.right)]) {
            if (side.kind === kind) args.push(...side.args);
            else args.push(side);
          }
          return { kind, args };
        }
        if (op === 'IN' || op === 'NOT IN') return this.inList(node, op === 'NOT IN');
        const cmp = CMP_OPS[op];
        if (!cmp) throw unsupported(`operator ${op} (supported: = != <> < <= > >= IN NOT IN AND OR NOT)`);
        return this.coerceCmp(cmp, this.value(node.left), this.value(node.right));
      }
      case 'unary_expr': {
        const op = String(node.operator).toUpperCase();
        if (op !== 'NOT' && op !== '!') throw unsupported(`unary operator ${op} in a condition`);
        return { kind: 'not', arg: this.bool(node.expr) };
      }
      case 'function': {
        const name = functionName(node);
        const args = isNode(node.args) ? nodes(node.args.value) : [];
        if (name.toUpperCase() === 'NOT' && args.length === 1) return { kind: 'not', arg: this.bool(args[0]) };
        if (name.toUpperCase() === 'MATCHINDEX') return this.matchIndex(args);
        throw unsupported(`function ${name} (only MATCHINDEX('<index>', '<query>') in WHERE)`);
      }
      case 'bool':
        return { kind: 'const', value: node.value === true };
      case 'column_ref':
        throw unsupported(`a bare column (${columnName(node)}) as a condition; compare it with a value`);
      default:
        throw unsupported(`condition of type ${String(node.type)}`);
    }
  }

  private matchIndex(args: readonly AstNode[]): BoolExpr {
    const str = (n: AstNode | undefined): string | undefined => {
      if (!n) return undefined;
      if (n.type === 'single_quote_string') return unescapeString(String(n.value), "'");
      if (n.type === 'double_quote_string') return unescapeString(String(n.value), '"');
      return undefined;
    };
    const indexName = str(args[0]);
    const query = str(args[1]);
    if (args.length !== 2 || indexName === undefined || query === undefined) {
      throw unsupported("MATCHINDEX needs two string arguments: MATCHINDEX('<index>', '<query>')");
    }
    const index = matchableIndex(this.schema, this.table, indexName);
    return { kind: 'match', index, terms: analyzeQuery(this.schema, index, query) };
  }

  private inList(node: AstNode, negated: boolean): BoolExpr {
    const left = this.value(node.left);
    const right = node.right;
    if (!isNode(right) || right.type !== 'expr_list') throw unsupported('IN without a value list');
    const items = Array.isArray(right.value) ? right.value : [];
    const list = items.map((v) => {
      if (isNode(v) && (v.ast || v.type === 'select')) throw unsupported('subqueries (in IN)');
      return this.value(v);
    });
    if (list.length === 0) throw unsupported('an empty IN list');
    return { kind: 'in', negated, left, list: left.kind === 'column' ? list.map((v) => this.coerce(left.field, v)) : list };
  }

  private coerceCmp(op: CmpOp, left: ValueExpr, right: ValueExpr): BoolExpr {
    if (left.kind === 'column' && right.kind === 'column' && isNumeric(left.field.type) !== isNumeric(right.field.type)) {
      throw unsupported(`comparing ${left.field.name} (${left.field.type}) with ${right.field.name} (${right.field.type})`);
    }
    if (left.kind === 'column') right = this.coerce(left.field, right);
    if (right.kind === 'column') left = this.coerce(right.field, left);
    return { kind: 'cmp', op, left, right };
  }

  /** A literal compared with a column takes the column's kind: numbers stay exact, text is text. */
  private coerce(field: FieldSchema, v: ValueExpr): ValueExpr {
    if (v.kind !== 'literal') return v;
    if (isNumeric(field.type)) {
      if (typeof v.value !== 'string') return v;
      const t = v.value.trim();
      if (/^[+-]?\d+$/.test(t)) return { kind: 'literal', value: BigInt(t) };
      if (t !== '' && Number.isFinite(Number(t))) return { kind: 'literal', value: Number(t) };
      throw new Error(`column ${field.name} is ${field.type}: '${v.value}' is not a number`);
    }
    return typeof v.value === 'string' ? v : { kind: 'literal', value: String(v.value) };
  }

  private value(node: unknown): ValueExpr {
    if (!isNode(node)) throw unsupported('this operand');
    if (node.ast || node.type === 'select') throw unsupported('subqueries');
    switch (node.type) {
      case 'column_ref':
        return this.column(node);
      case 'number':
      case 'bigint':
        return { kind: 'literal', value: numberLiteral(node.value) };
      case 'single_quote_string': {
        const raw = String(node.value);
        if (raw.startsWith(this.marker)) return { kind: 'literal', value: BigInt(raw.slice(this.marker.length)) };
        return { kind: 'literal', value: unescapeString(raw, "'") };
      }
      case 'double_quote_string':
        return { kind: 'literal', value: unescapeString(String(node.value), '"') };
      case 'unary_expr': {
        const inner = String(node.operator) === '-' || String(node.operator) === '+' ? this.value(node.expr) : undefined;
        if (inner?.kind === 'literal' && typeof inner.value !== 'string') {
          return { kind: 'literal', value: String(node.operator) === '-' ? negate(inner.value) : inner.value };
        }
        throw unsupported(`unary ${String(node.operator)} on this operand`);
      }
      case 'function':
        throw unsupported(`function ${functionName(node)}`);
      case 'null':
        throw unsupported('NULL (fields are never null)');
      case 'binary_expr':
        throw unsupported(`expression with ${String(node.operator)} as an operand (no arithmetic)`);
      default:
        throw unsupported(`operand of type ${String(node.type)}`);
    }
  }

  // ---- ORDER BY / LIMIT ----

  private orderBy(ast: AstNode, columns: readonly OutputColumn[]): OrderKey[] {
    return nodes(ast.orderby).map((o) => {
      const desc = String(o.type ?? 'ASC').toUpperCase() === 'DESC';
      const e = o.expr;
      if (!isNode(e)) throw unsupported('this ORDER BY item');
      if (e.type === 'number' && typeof e.value === 'number') {
        const c = columns[e.value - 1];
        if (!Number.isInteger(e.value) || !c) throw new Error(`ORDER BY ${e.value}: there are ${columns.length} output columns`);
        return { value: c.value, desc };
      }
      if (e.type !== 'column_ref') throw unsupported('ORDER BY an expression (only columns, aliases or positions)');
      const name = columnName(e);
      if (typeof e.table !== 'string' || !e.table) {
        const byAlias = columns.find((c) => c.name === name);
        if (byAlias) return { value: byAlias.value, desc };
      }
      return { value: this.column(e), desc };
    });
  }

  private limit(node: unknown): { limit: number | undefined; offset: number } {
    if (!isNode(node)) return { limit: undefined, offset: 0 };
    const values = nodes(node.value).map((v) => {
      if (v.type !== 'number' || typeof v.value !== 'number' || !Number.isSafeInteger(v.value) || v.value < 0) {
        throw unsupported(`LIMIT/OFFSET value ${JSON.stringify(v.value)} (must be a whole number ≥ 0)`);
      }
      return v.value;
    });
    if (values.length === 0) return { limit: undefined, offset: 0 };
    if (values.length === 1) return { limit: values[0], offset: 0 };
    return node.seperator === ',' ? { limit: values[1], offset: values[0]! } : { limit: values[0], offset: values[1]! };
  }
}

function numberLiteral(v: unknown): Scalar {
  if (typeof v === 'number') {
    if (Number.isInteger(v) && !Number.isSafeInteger(v)) throw new Error(`integer literal ${v} lost precision while parsing`);
    return v;
  }
  const s = String(v);
  if (/^[+-]?\d+$/.test(s)) return BigInt(s);
  const n = Number(s);
  if (!Number.isFinite(n)) throw unsupported(`number literal ${s}`);
  return n;
}

const negate = (v: number | bigint): number | bigint => (typeof v === 'bigint' ? -v : -v);

/** Plan `sql` against a table's schema (`table` = the attribute table's name). */
export function planQuery(sql: string, schema: TableSchema, table: string): QueryPlan {
  const { ast, marker } = parseSelect(sql);
  return new Planner(schema, table, marker).plan(ast);
}
