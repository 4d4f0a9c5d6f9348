import type { InputSplit } from '../input/types.ts';
import type { AnyJoin } from '../job/join.ts';
import type { Mapper, ShuffleKey, TaskContext } from '../job/types.ts';
import { encodeKey } from '../shuffle/codec.ts';
import { keyFilter, sideTable } from './join-cache.ts';
import type { JoinRuntime } from './spec.ts';

/** Counter group of a join, by its side's name: `Join subscribers` (a job may join several sides). */
export const joinGroup = (side: string): string => `Join ${side}`;

/** Tags of a reduce-side join's map output values: which side a value came from. */
export const LEFT = 0;
export const RIGHT = 1;

/** A record's byte offset for errors: text-like inputs key records by it; other formats give the split's start. */
export const recordOffset = (k: unknown, split: InputSplit): number => (typeof k === 'number' ? k : split.start);

/**
 * The record's join key, or undefined after reporting it as a bad record with file and offset: the one
 * rule for the join's map tasks, the merge join and the driver reading a side.
 */
export function keyOf<K, V>(extract: (k: K, v: V, conf: Readonly<Record<string, string>>) => ShuffleKey | undefined, side: string, split: InputSplit, k: K, v: V, ctx: TaskContext): ShuffleKey | undefined {
  const key = extract(k, v, ctx.conf);
  if (key === undefined) ctx.badRecord({ path: split.path, offset: recordOffset(k, split), reason: `no join key (${side})`, fileIndex: split.fileIndex });
  return key;
}

/**
 * The mapper of a join step's map task: the map-side join of a replicated side, or the tagging mapper
 * of a reduce-side join (`bloom`: the job's records whose key is not in the side's filter are dropped
 * here, before the shuffle).
 */
export async function joinMapper(join: AnyJoin, rt: JoinRuntime, side: 'left' | 'right', split: InputSplit, ctx: TaskContext): Promise<Mapper<unknown, unknown, ShuffleKey, unknown>> {
  const kind = join.kind ?? 'inner';
  const name = join.with.name;
  const filterOnly = kind === 'semi' || kind === 'anti';
  // The job's own key travels with its records when the step hands it on (semi, anti, merge).
  const keepsKey = filterOnly || join.merge !== undefined;
  const merge = join.merge;
  const conf = ctx.conf;
  if (side === 'right') {
    return function* (k, v) {
      const key = keyOf(join.with.key, name, split, k, v, ctx);
      if (key !== undefined) yield [key, filterOnly ? [RIGHT] : [RIGHT, v]];
    };
  }
  if (rt.strategy === 'replicated') {
    const table = await sideTable(rt.cache!);
    const out = ctx.counter('Output records', joinGroup(name));
    return function* (k, v) {
      const key = keyOf(join.key, 'the job', split, k, v, ctx);
      if (key === undefined) return;
      const rights = table.get(encodeKey(key).toString('latin1'));
      if (kind === 'semi' || kind === 'anti') {
        if ((rights !== undefined) === (kind === 'semi')) {
          out.increment();
          yield [k as ShuffleKey, v];
        }
        return;
      }
      if (!rights) {
        if (kind === 'left') {
          out.increment();
          yield merge ? [k as ShuffleKey, merge(v, undefined, conf)] : [key, { left: v, right: undefined }];
        }
        return;
      }
      for (const right of rights) {
        out.increment();
        yield merge ? [k as ShuffleKey, merge(v, right, conf)] : [key, { left: v, right }];
      }
    };
  }
  const filter = rt.strategy === 'bloom' ? keyFilter(rt.cache!) : undefined;
  const dropped = filter ? ctx.counter('Bloom filter dropped records', joinGroup(name)) : undefined;
  return function* (k, v) {
    const key = keyOf(join.key, 'the job', split, k, v, ctx);
    if (key === undefined) return;
    if (filter && !filter.has(encodeKey(key))) {
      dropped!.increment();
      return;
    }
    yield [key, keepsKey ? [LEFT, k, v] : [LEFT, v]];
  };
}
