import { createRequire } from 'node:module';
import type { Jieba } from '@node-rs/jieba';
import type { Analyzer } from './types.ts';
import { normalize } from './normalize.ts';

/**
 * `jieba_analyzer`: jieba dictionary segmentation via `@node-rs/jieba` (prebuilt native binding,
 * its bundled default dictionary). Like Havenask's jieba plugin (pluginplatform analyzer_plugins
 * JiebaTokenizer: `cppjieba::Jieba::Cut(text, words, true)`) we cut with HMM on, after the same
 * normalisation every Havenask analyzer applies first. Terms made only of whitespace, punctuation,
 * symbols or control characters are dropped. The native module and the dictionary load lazily, on
 * the first tokenize call, once per process.
 */

const SEPARATOR_ONLY = /^[\p{Z}\p{P}\p{S}\p{C}\s]+$/u;

let instance: Jieba | undefined;

function jieba(): Jieba {
  if (!instance) {
    const require = createRequire(import.meta.url);
    const mod = require('@node-rs/jieba') as typeof import('@node-rs/jieba');
    const { dict } = require('@node-rs/jieba/dict.js') as typeof import('@node-rs/jieba/dict.js');
    instance = mod.Jieba.withDict(dict);
  }
  return instance;
}

export const jiebaAnalyzer: Analyzer = {
  name: 'jieba_analyzer',
  tokenize(text: string): string[] {
    const normalized = normalize(text);
    if (normalized === '') return [];
    return jieba().cut(normalized, true).filter((t) => t !== '' && !SEPARATOR_ONLY.test(t));
  },
};
