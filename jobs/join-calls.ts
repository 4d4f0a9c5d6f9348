/**
 * Last month's calls of one tariff's subscribers: call records ⋈ subscribers, then calls and seconds
 * per subscriber. An example to copy for your own joins.
 *
 *   npx bsctl run join-calls --input calls.tsv --side subscribers=subs.tsv --output out
 *
 * - `calls.tsv` (the big side, the job's input): `caller\tcallee\tstart_epoch\tduration_s\tcell`;
 * - `subs.tsv` (the side named `subscribers`): `id\ttariff\tcity`, already the one tariff's list
 *   (each id at most once: a duplicate fails the job, naming the id);
 * - `out/part-r-*`: `subscriber\tcalls\tseconds` for every listed subscriber who called (inner join:
 *   subscribers without calls and calls of unlisted callers are left out).
 *
 * The join's strategy is chosen at run time (`auto`: replicated when the side fits its budget, else
 * bloom when it is much smaller, else reduce); force one with `--conf bsctl.join.strategy=bloom`.
 * Generate test data with scripts/bench/join-data.ts (or `npm run bench:join`).
 */
import { defineJob, textOutput, tsvInput, type CombineFn } from 'bsctl';

/** Calls and seconds of one subscriber. */
type Totals = readonly [calls: number, seconds: number];

const addTotals: CombineFn<Totals, Totals> = {
  create: () => [0, 0],
  add: (acc, v) => [acc[0] + v[0], acc[1] + v[1]],
  merge: (a, b) => [a[0] + b[0], a[1] + b[1]],
  extract: (acc) => acc,
};

/** A call record's caller, or undefined (a bad record, reported with file and offset) when malformed. */
function callerOf(cols: readonly string[]): string | undefined {
  const caller = cols[0];
  const duration = cols[3];
  if (cols.length !== 5 || !caller || duration === undefined || !/^\d+$/.test(duration)) return undefined;
  return caller;
}

export default defineJob({
  name: 'join-calls',
  description: 'Calls and seconds per subscriber: call records (input) joined with --side subscribers=FILE; output subscriber<TAB>calls<TAB>seconds',
  input: tsvInput(),
})
  .join({
    key: (_offset, cols) => callerOf(cols),
    with: { name: 'subscribers', input: tsvInput(), key: (_offset, cols) => cols[0] || undefined, unique: true },
    kind: 'inner',
  })
  .step({
    map: function* (subscriber, { left: call }) {
      yield [subscriber, [1, Number(call[3])] as Totals] as const;
    },
    combine: addTotals,
    reduce: function* (subscriber, totals) {
      let calls = 0;
      let seconds = 0;
      for (const [c, s] of totals) {
        calls += c;
        seconds += s;
      }
      yield [subscriber, `${calls}\t${seconds}`] as const;
    },
  })
  .output(textOutput<string, string>());
