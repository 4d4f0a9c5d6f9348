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

/** A one-character piece that is whitespace (\t \n \v \f \r; ' ' cannot occur after the split). */
function isSingleSpace(piece: string): boolean {
  if (piece.length !== 1) return false;
  const c = piece.charCodeAt(0);
  return c >= 9 && c <= 13;
}

export const simpleAnalyzer: Analyzer = {
  name: 'simple_analyzer',
  tokenize(text: string): string[] {
    const pieces = normalize(text).split(DELIMITER);
    let clean = true;
    for (let i = 0; i < pieces.length && clean; i++) clean = pieces[i] !== '' && !isSingleSpace(pieces[i]!);
    return clean ? pieces : pieces.filter((p) => p !== '' && !isSingleSpace(p));
  },
};
