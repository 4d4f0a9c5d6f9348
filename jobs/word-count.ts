import { defineJob, sum, textInput, textOutput, type MapContext } from 'bsctl';

/** Exactly the characters JavaScript's `\s` matches. */
function isWhitespace(c: number): boolean {
  if (c > 32 && c < 0xa0) return false;
  return (
    c === 32 || (c >= 9 && c <= 13) || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff
  );
}

/** Counts words: lowercased, split on whitespace; output `word\tcount` per line, sorted by word. */
export default defineJob({
  name: 'word-count',
  description: 'Count words (lowercased, split on whitespace); output word<TAB>count',
  input: textInput(),
})
  .step({
    // Written with ctx.write, not yielded: a word costs no tuple and no generator step.
    map: (_offset, line, ctx: MapContext<string, number>) => {
      const text = line.toLowerCase();
      const n = text.length;
      let i = 0;
      while (i < n) {
        while (i < n && isWhitespace(text.charCodeAt(i))) i++;
        let j = i;
        while (j < n && !isWhitespace(text.charCodeAt(j))) j++;
        if (j > i) ctx.write(text.slice(i, j), 1);
        i = j;
      }
    },
    combine: sum,
    reduce: function* (word: string, counts) {
      let n = 0;
      for (const c of counts) n += c;
      yield [word, n] as const;
    },
  })
  .output(textOutput<string, number>());
