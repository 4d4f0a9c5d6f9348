import type { AnyJoin } from '../job/join.ts';
import type { Reducer, ShuffleKey, TaskContext } from '../job/types.ts';
import { deterministic } from './deterministic.ts';
import { joinGroup, LEFT, RIGHT } from './join-map.ts';
import type { JoinRuntime } from './spec.ts';

/** A tagged map output value: [LEFT, v], [LEFT, k, v] (semi, anti, merge), [RIGHT, v] or [RIGHT]. */
type Tagged = readonly [number, ...unknown[]];

/**
 * The reducer of a reduce-side (or bloom) join. Within a key the buffered side's values come first
 * (its map tasks come first, and equal keys merge in map order); they are held for the key while the
 * other side streams, so a key with millions of records on the streamed side stays within memory.
 * A semi or anti join buffering the side holds only how many records the side has.
 */
export function joinReducer(join: AnyJoin, rt: JoinRuntime, ctx: TaskContext): Reducer<ShuffleKey, unknown, unknown, unknown> {
  const kind = join.kind ?? 'inner';
  const name = join.with.name;
  const filterOnly = kind === 'semi' || kind === 'anti';
  const bufferedTag = rt.buffered === 'left' ? LEFT : RIGHT;
  const out = ctx.counter('Output records', joinGroup(name));
  const unmatchedSide = ctx.counter('Side records without a match', joinGroup(name));
  const falsePositives = rt.strategy === 'bloom' ? ctx.counter('Bloom false positives removed', joinGroup(name)) : undefined;
  const merge = join.merge;
  const conf = ctx.conf;
  // Tagged values of the job's side: [LEFT, v], or [LEFT, k, v] when its own key is handed on.
  const keepsKey = filterOnly || merge !== undefined;
  const pair = (key: ShuffleKey, l: Tagged, right: unknown): readonly [unknown, unknown] =>
    merge ? [l[1], merge(l[2], right, conf)] : [key, { left: keepsKey ? l[2] : l[1], right }];
  const tooMany = (key: ShuffleKey, n: number): Error => deterministic(new Error(`join with ${name}: key ${JSON.stringify(key)} appears ${n} times on side ${name}, declared unique`));

  return function* (key, values) {
    const it = (values as Iterable<Tagged>)[Symbol.iterator]();
    const held: Tagged[] = [];
    let heldCount = 0;
    let r = it.next();
    for (; !r.done && r.value[0] === bufferedTag; r = it.next()) {
      heldCount++;
      if (!(filterOnly && bufferedTag !== LEFT)) held.push(r.value);
    }
    if (join.with.unique && bufferedTag !== LEFT && heldCount > 1) throw tooMany(key, heldCount);
    let streamed = 0;
    if (bufferedTag !== LEFT) {
      // The side is held: each of the job's records meets it.
      for (; !r.done; r = it.next()) {
        streamed++;
        const t = r.value;
        if (filterOnly) {
          if ((heldCount > 0) === (kind === 'semi')) {
            out.increment();
            yield [t[1], t[2]];
          }
        } else if (heldCount === 0) {
          if (kind === 'left') {
            out.increment();
            yield pair(key, t, undefined);
          }
        } else {
          for (const h of held) {
            out.increment();
            yield pair(key, t, h[1]);
          }
        }
      }
      if (heldCount > 0 && streamed === 0) unmatchedSide.increment(heldCount);
      if (heldCount === 0 && streamed > 0 && kind !== 'left' && kind !== 'anti') falsePositives?.increment(streamed);
      return;
    }
    // The job's records are held (the side is the bigger input): the side streams past them.
    for (; !r.done; r = it.next()) {
      streamed++;
      if (join.with.unique && streamed > 1) throw tooMany(key, streamed);
      if (filterOnly) continue;
      for (const h of held) {
        out.increment();
        yield pair(key, h, r.value[1]);
      }
    }
    if (heldCount === 0) {
      if (streamed > 0) unmatchedSide.increment(streamed);
      return;
    }
    if (streamed === 0 && falsePositives && kind !== 'left' && kind !== 'anti') falsePositives.increment(heldCount);
    if (filterOnly ? (streamed > 0) === (kind === 'semi') : streamed === 0 && kind === 'left') {
      for (const h of held) {
        out.increment();
        yield filterOnly ? [h[1], h[2]] : pair(key, h, undefined);
      }
    }
  };
}
