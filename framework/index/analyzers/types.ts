/** A text analyzer: turns one field value into the terms an inverted index stores (havenask.md §3). */
export interface Analyzer {
  /** Name as schemas spell it, e.g. `simple_analyzer`. */
  readonly name: string;
  /**
   * Terms of `text`, in order, already normalised; position i of a term is its index in the array.
   * Never contains empty strings.
   */
  tokenize(text: string): string[];
}
