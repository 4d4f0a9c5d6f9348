/** A text analyzer: turns one field value into the terms an inverted index stores (havenask.md §3). */
export interface Analyzer {
  /** Name as schemas spell it, e.g. `simple_analyzer`. */
  readonly name: string;
  /**
   * Terms of `text`, in order, already normalised; position i of a term is its index in the array.
   * Never contains empty strings.
   */
  tokenize(text: string): string[];
  /**
   * The same terms as ranges, without making a string of each: `term(s, start, end)` for every term,
   * in order, where `s.slice(start, end)` is the term (`s` is `text` normalised). Analyzers that offer
   * it let the index writer look terms up in place.
   */
  eachTerm?(text: string, term: (s: string, start: number, end: number) => void): void;
}
