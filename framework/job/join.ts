/** The join API: a step that joins the records flowing through the job with another input (a side). */
import type { InputFormat } from '../input/types.ts';
import type { ShuffleKey } from './types.ts';

/**
 * - `inner`: one record per matching pair; `left` (outer): every record of the job's side, with
 *   `right: undefined` where the other side has no record of its key; `semi`: the job's records whose
 *   key is on the other side (unchanged); `anti`: those whose key is not.
 */
export type JoinKind = 'inner' | 'left' | 'semi' | 'anti';

/**
 * How the join runs: `replicated` (map-side: the side is shipped to every machine and loaded into a
 * hash table once per worker; no shuffle), `reduce` (both sides tagged, co-grouped by key, joined in
 * the reducer; the bigger side streams), `bloom` (a Bloom filter of the side's keys drops the job's
 * records that cannot match before the shuffle, then a reduce-side join), `auto` (the default:
 * replicated when the side fits its budget, else bloom when the side is much smaller, else reduce),
 * `merge` (map-side, asked for only: both inputs already partitioned alike and sorted by the key, such
 * as two bsctl jobs' reduce outputs with the same partitioner and reducer count, joined file by file).
 */
export type JoinStrategy = 'auto' | 'replicated' | 'reduce' | 'bloom' | 'merge';

/** The other input of a join. */
export interface JoinSide<K, V, J extends ShuffleKey> {
  /** Names the side in `--side NAME=PATH`, logs, errors and counters (a simple name). */
  readonly name: string;
  readonly input: InputFormat<K, V>;
  /** Its paths when the run gives none (`--side NAME=PATH[,PATH...]` replaces them). */
  readonly paths?: readonly string[];
  /**
   * The record's join key; `undefined` when it has none (then it is a bad record, with file and
   * offset). `conf` is the job's configuration.
   */
  readonly key: (key: K, value: V, conf: Readonly<Record<string, string>>) => J | undefined;
  /** Each key at most once on this side: a duplicate fails the job, naming the key. */
  readonly unique?: boolean;
  /**
   * A run may leave the side out (no `--side NAME=...` and no `paths`): the join step is then skipped
   * and the job's records pass unchanged (for semi and anti joins, and joins whose `merge` returns the
   * record's own type). A join step so skipped cannot be the job's last.
   */
  readonly optional?: boolean;
}

export interface JoinSpec<KL, VL, KS, VS, J extends ShuffleKey, Kind extends JoinKind> {
  readonly name?: string;
  /** The join key of a record flowing through the job (the big side); `conf`: the job's configuration. */
  readonly key: (key: KL, value: VL, conf: Readonly<Record<string, string>>) => J | undefined;
  readonly with: JoinSide<KS, VS, J>;
  /** Default `inner`. */
  readonly kind?: Kind;
  /** Default `auto` (a run's `--conf bsctl.join.strategy=...` overrides it). */
  readonly strategy?: JoinStrategy;
  /** Bloom strategy: the filter's false-positive rate (default 0.01). */
  readonly falsePositiveRate?: number;
  /** Replicated strategy: the most bytes of side input held in memory (default: `bsctl.join.replicated.mb`, 10 MiB). */
  readonly replicatedBudgetBytes?: number;
}

/**
 * An inner or left join that merges each pair into one value: the step then hands on (the record's own
 * key, merge(left, right)) — e.g. a document enriched with the side's fields.
 */
export interface MergeJoinSpec<KL, VL, KS, VS, J extends ShuffleKey, Kind extends 'inner' | 'left', VO> extends JoinSpec<KL, VL, KS, VS, J, Kind> {
  readonly merge: (left: VL, right: Kind extends 'left' ? VS | undefined : VS, conf: Readonly<Record<string, string>>) => VO;
}

/** One joined pair: a record of the job's side and one of the other side with the same key. */
export interface Joined<VL, VR> {
  readonly left: VL;
  readonly right: VR;
}

/** What a join step hands the next step: (key, value) per kind. */
export type JoinedRecord<Kind extends JoinKind, KL, VL, J, VS> = Kind extends 'semi' | 'anti'
  ? readonly [KL, VL]
  : Kind extends 'left'
    ? readonly [J, Joined<VL, VS | undefined>]
    : readonly [J, Joined<VL, VS>];

/** A join step as the engine sees it once types are erased. */
export type AnyJoin = JoinSpec<unknown, unknown, unknown, unknown, ShuffleKey, JoinKind> & {
  readonly merge?: (left: unknown, right: unknown, conf: Readonly<Record<string, string>>) => unknown;
};
