import type { Analyzer } from './types.ts';
import { normalize } from './normalize.ts';

/**
 * `singlews_analyzer`: single-word segmentation. Follows the rules of Havenask's build_service
 * SingleWSScanner (a flex lexer: longest match wins, the earlier rule on a tie), run on the
 * normalised text, so full-width letters/digits/symbols are already ASCII:
 *   1. number with one decimal/fraction separator: `1.2`, `1/2`
 *   2. digit run: `123`
 *   3. HTML entity glued to letters: `d&amp;g`, `&nbsp;`, `b&lt;` (2..6 letters between & and ;)
 *   4. run of only `& + ' ‘ ’` — a stop word, not indexed
 *   5. run of ASCII letters and `& + ' ‘ ’`: `hello`, `c++`, `d&g`, `this's`
 *   6. any other single character: each CJK ideograph, kana, hangul, or other non-ASCII letter is
 *      its own term (so `café` → `caf`, `é`; letters and digits split: `a123` → `a`, `123`).
 * Then whitespace, punctuation, symbol and control characters (rule 6 tokens of Unicode category
 * Z, P, S or C) are dropped: they only separate terms. (Havenask itself keeps punctuation such as
 * `，` as terms and drops only single spaces; we follow the simpler "punctuation separates" rule.)
 */

const SEPARATOR = /^[\p{Z}\p{P}\p{S}\p{C}\s]$/u;

const isDigit = (u: number): boolean => u >= 0x30 && u <= 0x39;
const isAlpha = (u: number): boolean => (u >= 0x61 && u <= 0x7a) || (u >= 0x41 && u <= 0x5a);
/** `& + '` and the quotes ‘ ’ (full-width ＆＋＇ are ASCII after normalisation). */
const isSymbolUnit = (u: number): boolean => u === 0x26 || u === 0x2b || u === 0x27 || u === 0x2018 || u === 0x2019;
const isSymbol = (s: string, i: number): boolean => isSymbolUnit(s.charCodeAt(i));

function run(s: string, i: number, pred: (s: string, j: number) => boolean): number {
  let j = i;
  while (j < s.length && pred(s, j)) j++;
  return j - i;
}
const digits = (s: string, i: number): number => run(s, i, (t, j) => isDigit(t.charCodeAt(j)));
const alphas = (s: string, i: number): number => run(s, i, (t, j) => isAlpha(t.charCodeAt(j)));
const symbols = (s: string, i: number): number => run(s, i, isSymbol);
const words = (s: string, i: number): number => run(s, i, (t, j) => isAlpha(t.charCodeAt(j)) || isSymbol(t, j));

function floatLen(s: string, i: number): number {
  const d = digits(s, i);
  if (d === 0 || (s[i + d] !== '.' && s[i + d] !== '/')) return 0;
  const e = digits(s, i + d + 1);
  return e === 0 ? 0 : d + 1 + e;
}

function htmlLen(s: string, i: number): number {
  const a = alphas(s, i);
  if (s[i + a] !== '&') return 0;
  const k = alphas(s, i + a + 1);
  if (k < 2 || k > 6 || s[i + a + 1 + k] !== ';') return 0;
  const end = i + a + 2 + k;
  return end - i + alphas(s, end);
}

/** Raw scanner tokens of already-normalised text, with Havenask's stop-word flag (rule 4). */
export function scanSingleWS(s: string): Array<{ text: string; stop: boolean }> {
  const out: Array<{ text: string; stop: boolean }> = [];
  let i = 0;
  while (i < s.length) {
    const u = s.charCodeAt(i);
    if (u >= 0x80 && !isSymbolUnit(u)) {
      // Only rule 6 can match a non-ASCII character (the common CJK case): take one code point.
      const len = u >= 0xd800 && u <= 0xdbff && (s.codePointAt(i) ?? 0) > 0xffff ? 2 : 1;
      out.push({ text: s.slice(i, i + len), stop: false });
      i += len;
      continue;
    }
    // Candidates in rule order; the first of the longest wins.
    const lens = [floatLen(s, i), digits(s, i), htmlLen(s, i), symbols(s, i), words(s, i)];
    let best = 0;
    let rule = -1;
    lens.forEach((len, r) => {
      if (len > best) [best, rule] = [len, r];
    });
    if (rule < 0) best = 1; // rule 6: one ASCII character
    out.push({ text: s.slice(i, i + best), stop: rule === 3 });
    i += best;
  }
  return out;
}

export const singlewsAnalyzer: Analyzer = {
  name: 'singlews_analyzer',
  tokenize(text: string): string[] {
    const out: string[] = [];
    for (const t of scanSingleWS(normalize(text))) {
      if (!t.stop && !SEPARATOR.test(t.text)) out.push(t.text);
    }
    return out;
  },
};
