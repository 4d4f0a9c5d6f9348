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
const SINGLE_SPACE = /^[\t\n\v\f\r ]$/;

export const simpleAnalyzer: Analyzer = {
  name: 'simple_analyzer',
  tokenize(text: string): string[] {
    const out: string[] = [];
    for (const piece of normalize(text).split(DELIMITER)) {
      if (piece !== '' && !SINGLE_SPACE.test(piece)) out.push(piece);
    }
    return out;
  },
};
