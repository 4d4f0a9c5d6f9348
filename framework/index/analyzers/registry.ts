import type { Analyzer } from './types.ts';
import { simpleAnalyzer } from './simple.ts';
import { singlewsAnalyzer } from './singlews.ts';
import { jiebaAnalyzer } from './jieba.ts';

export type { Analyzer } from './types.ts';
export { normalize } from './normalize.ts';

/** The analyzers of hape's default analyzer.json, by the name schemas use. */
const ANALYZERS: ReadonlyMap<string, Analyzer> = new Map(
  [simpleAnalyzer, singlewsAnalyzer, jiebaAnalyzer].map((a) => [a.name, a]),
);

/** Names getAnalyzer accepts, sorted. */
export function knownAnalyzers(): string[] {
  return [...ANALYZERS.keys()].sort();
}

/** The analyzer named `name` (exact spelling); throws naming it and the known ones otherwise. */
export function getAnalyzer(name: string): Analyzer {
  const a = ANALYZERS.get(name);
  if (!a) throw new Error(`unknown analyzer "${name}"; known analyzers: ${knownAnalyzers().join(', ')}`);
  return a;
}
