import { pullRecords } from '../input/pull.ts';
import type { InputSplit, RecordReader } from '../input/types.ts';
import type { AnyJoin } from '../job/join.ts';
import type { ShuffleKey, TaskContext } from '../job/types.ts';
import { encodeKey } from '../shuffle/codec.ts';
import { deterministic } from './deterministic.ts';
import { joinGroup, keyOf, recordOffset } from './join-map.ts';

interface Keyed {
  readonly k: unknown;
  readonly v: unknown;
  readonly key: ShuffleKey;
  readonly bytes: Buffer;
}

/**
 * A merge join (Hadoop's CompositeInputFormat) of one partition file of the job's input and the same
 * partition of the side, both sorted by the join key: read in step, each key's side records held
 * while the job's records of that key pass. Its records are the join's output. A file out of key
 * order fails the task (deterministic), naming the file and the record's offset.
 */
export function mergeJoinReader(join: AnyJoin, left: RecordReader<unknown, unknown>, leftSplit: InputSplit, right: RecordReader<unknown, unknown>, rightSplit: InputSplit, ctx: TaskContext): RecordReader<unknown, unknown> {
  const kind = join.kind ?? 'inner';
  const name = join.with.name;
  const conf = ctx.conf;
  const out = ctx.counter('Output records', joinGroup(name));
  const unmatched = ctx.counter('Side records without a match', joinGroup(name));

  /** The next record with a key, in key order (records without one are bad records). */
  async function* keyed(records: AsyncGenerator<readonly [unknown, unknown]>, split: InputSplit, extract: AnyJoin['key'], what: string): AsyncGenerator<Keyed> {
    let previous: Buffer | undefined;
    for await (const [k, v] of records) {
      const key = keyOf(extract, what, split, k, v, ctx);
      if (key === undefined) continue;
      const offset = recordOffset(k, split);
      const bytes = encodeKey(key);
      if (previous && Buffer.compare(bytes, previous) < 0) {
        throw deterministic(new Error(`merge join with ${name}: ${split.path} at byte ${offset}: not sorted by the join key (${JSON.stringify(key)} after a greater key); a merge join needs both inputs sorted, as a bsctl job's reduce output is`));
      }
      previous = bytes;
      yield { k, v, key, bytes };
    }
  }

  return {
    get bytesRead() {
      return left.bytesRead + right.bytesRead;
    },
    async read(sink) {
      const ls = keyed(pullRecords(left), leftSplit, join.key, 'the job');
      const rs = keyed(pullRecords(right), rightSplit, join.with.key, name);
      const emit = (l: Keyed, r: unknown): void => {
        out.increment();
        if (join.merge) sink(l.k, join.merge(l.v, r, conf));
        else sink(l.key, { left: l.v, right: r });
      };
      try {
        let r = await rs.next();
        let group: { bytes: Buffer; values: unknown[] } | undefined;
        for (let l = await ls.next(); !l.done; l = await ls.next()) {
          const lk = l.value;
          if (!group || !group.bytes.equals(lk.bytes)) {
            // Side records before this key have no match on the job's side.
            while (!r.done && Buffer.compare(r.value.bytes, lk.bytes) < 0) {
              unmatched.increment();
              r = await rs.next();
            }
            const values: unknown[] = [];
            while (!r.done && r.value.bytes.equals(lk.bytes)) {
              values.push(r.value.v);
              if (join.with.unique && values.length > 1) throw deterministic(new Error(`join with ${name}: key ${JSON.stringify(lk.key)} appears more than once on side ${name}, declared unique`));
              r = await rs.next();
            }
            group = { bytes: lk.bytes, values };
          }
          const matches = group.values;
          if (kind === 'semi' || kind === 'anti') {
            if ((matches.length > 0) === (kind === 'semi')) {
              out.increment();
              sink(lk.k, lk.v);
            }
          } else if (matches.length === 0) {
            if (kind === 'left') emit(lk, undefined);
          } else for (const m of matches) emit(lk, m);
        }
        for (; !r.done; r = await rs.next()) unmatched.increment();
      } finally {
        await ls.return(undefined);
        await rs.return(undefined);
      }
    },
  };
}
