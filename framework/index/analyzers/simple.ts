import type { Analyzer } from './types.ts';
import { normalize } from './normalize.ts';

/**
 * `simple_analyzer` (hape analyzer.json: tokenizer_type simple, delimiter " "), as build_service
 * SimpleTokenizer: normalise, split on the one-space delimiter, no other splitting — Chinese text
 * without spaces is ONE term ('阿里巴巴集团'), tabs/newlines stay inside terms. Empty pieces are
 * dropped, and so is a piece that is a single whitespace char (Havenask marks it isSpace and does
 * not index it). U+3000 splits too, because normalisation turns it into ' ' first.
 */
const DELIMITER = ' ';

/** A one-character piece at `i` that is whitespace (\t \n \v \f \r; ' ' cannot occur after the split). */
function isSingleSpaceAt(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  return c >= 9 && c <= 13;
}

/** Every non-empty piece of `text` (normalised) between delimiters, except single whitespace chars. */
function eachTerm(text: string, term: (s: string, start: number, end: number) => void): void {
  const s = normalize(text);
  let start = 0;
  for (;;) {
    const d = s.indexOf(DELIMITER, start);
    const end = d < 0 ? s.length : d;
    if (end > start && !(end - start === 1 && isSingleSpaceAt(s, start))) term(s, start, end);
    if (d < 0) return;
    start = d + 1;
  }
}

export const simpleAnalyzer: Analyzer = {
  name: 'simple_analyzer',
  tokenize(text: string): string[] {
    const out: string[] = [];
    eachTerm(text, (s, start, end) => out.push(s.slice(start, end)));
    return out;
  },
  eachTerm,
};
