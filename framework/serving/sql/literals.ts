import { randomBytes } from 'node:crypto';

/**
 * node-sql-parser turns a negative integer literal beyond 2^53 into a rounded JS number
 * (`-9223372036854775808` → -9223372036854776000). Before parsing, every integer literal too large
 * for a double is rewritten as a marked string literal (`'<marker>9223372036854775808'`); the
 * planner turns marked strings back into exact bigints (a leading `-` arrives as a unary minus).
 */
export interface ProtectedSql {
  readonly sql: string;
  /** Prefix of the marked strings; unique per call, so it cannot collide with user text. */
  readonly marker: string;
}

const WORD_START = /[A-Za-z_$\u0080-\uffff]/;
const WORD_CHAR = /[A-Za-z0-9_$\u0080-\uffff]/;
const DIGIT = /[0-9]/;

/** End index (exclusive) of a quoted token starting at `i` with quote `q`. */
function skipQuoted(s: string, i: number, q: string): number {
  let j = i + 1;
  while (j < s.length) {
    const c = s[j]!;
    if (c === '\\' && q !== '`') j += 2;
    else if (c === q) {
      if (s[j + 1] === q) j += 2;
      else return j + 1;
    } else j++;
  }
  return s.length;
}

/** Rewrite integer literals above Number.MAX_SAFE_INTEGER as marked strings (see ProtectedSql). */
export function protectBigIntegers(sql: string): ProtectedSql {
  const marker = `bsctl-int-${randomBytes(6).toString('hex')}:`;
  let out = '';
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    let j = i + 1;
    if (c === "'" || c === '"' || c === '`') j = skipQuoted(sql, i, c);
    else if (c === '-' && sql[i + 1] === '-') j = sql.indexOf('\n', i) < 0 ? sql.length : sql.indexOf('\n', i);
    else if (c === '/' && sql[i + 1] === '*') j = sql.indexOf('*/', i + 2) < 0 ? sql.length : sql.indexOf('*/', i + 2) + 2;
    else if (WORD_START.test(c)) {
      while (j < sql.length && WORD_CHAR.test(sql[j]!)) j++;
    } else if (DIGIT.test(c) || (c === '.' && DIGIT.test(sql[i + 1] ?? ''))) {
      while (j < sql.length && WORD_CHAR.test(sql[j]!)) j++;
      if (sql[j] === '.') {
        j++;
        while (j < sql.length && WORD_CHAR.test(sql[j]!)) j++;
      }
      const token = sql.slice(i, j);
      if (/^\d+$/.test(token) && BigInt(token) > BigInt(Number.MAX_SAFE_INTEGER)) {
        out += `'${marker}${token}'`;
        i = j;
        continue;
      }
    }
    out += sql.slice(i, j);
    i = j;
  }
  return { sql: out, marker };
}

/** MySQL string-literal escapes, as node-sql-parser leaves them in the raw value. */
const ESCAPES: Readonly<Record<string, string>> = { '0': '\0', b: '\b', n: '\n', r: '\r', t: '\t', Z: '\x1a', '%': '\\%', _: '\\_' };

/** The value of a quoted string literal whose raw inner text is `raw` (quote `'` or `"`). */
export function unescapeString(raw: string, quote: "'" | '"'): string {
  return raw.replace(quote === "'" ? /\\(.)|''/gs : /\\(.)|""/gs, (_m, esc: string | undefined) => (esc === undefined ? quote : (ESCAPES[esc] ?? esc)));
}
