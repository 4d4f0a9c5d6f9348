/**
 * Shuffle records as Hadoop Streaming text lines, for steps that run on YARN: Hadoop's sort must put
 * them in bsctl's order and Hadoop's partitioner must send them to bsctl's partition.
 *
 *     <tag>\t<key hex>\t<map:seq hex>\t<value base64>
 *
 * The first three fields are the Streaming key (`stream.num.map.output.key.fields=3`), compared as bytes
 * by Hadoop's Text comparator:
 * - `tag` names the partition: KeyFieldBasedPartitioner (`-k1,1`) hashes the field's bytes
 *   (h = 31·h + b, then (h & 0x7fffffff) mod reducers) and the tag of partition p is the shortest decimal
 *   string hashing to p; a reducer sees one tag only.
 * - the key's ordered encoding in lowercase hex sorts as the bytes do (a shorter key that is a prefix
 *   of a longer one sorts first: the tab after it is below every hex digit).
 * - `map:seq` (fixed width) keeps equal keys in map order and, within a map, in the order the map wrote
 *   them, as bsctl's own merge does (Hadoop's sort is not stable).
 * The value (bsctl's value encoding) is base64: no tab or newline in any field.
 */

/** KeyFieldBasedPartitioner's partition of a field of ASCII bytes. */
export function keyFieldPartition(field: string, reducers: number): number {
  let h = 0;
  for (let i = 0; i < field.length; i++) h = (Math.imul(31, h) + field.charCodeAt(i)) | 0;
  return (h & 0x7fffffff) % reducers;
}

const tagsByCount = new Map<number, readonly string[]>();

/** The tag of every partition of `reducers`: for p, the first of "0", "1", "2", ... hashing to p. */
export function partitionTags(reducers: number): readonly string[] {
  if (!Number.isSafeInteger(reducers) || reducers < 1) throw new RangeError(`partitionTags: reducers must be a whole number ≥ 1 (got ${reducers})`);
  const known = tagsByCount.get(reducers);
  if (known) return known;
  const tags = new Array<string | undefined>(reducers).fill(undefined);
  let missing = reducers;
  for (let n = 0; missing > 0; n++) {
    const s = String(n);
    const p = keyFieldPartition(s, reducers);
    if (tags[p] === undefined) {
      tags[p] = s;
      missing--;
    }
  }
  const done = tags as string[];
  tagsByCount.set(reducers, done);
  return done;
}

const MAP_DIGITS = 6;
const SEQ_DIGITS = 10;

/** The `map:seq` field: map index and record number, fixed-width hex. */
export function orderField(mapIndex: number, seq: number): string {
  return mapIndex.toString(16).padStart(MAP_DIGITS, '0') + seq.toString(16).padStart(SEQ_DIGITS, '0');
}

/** One shuffle record as a Streaming line (with its newline). */
export function streamingLine(tag: string, key: Uint8Array, order: string, value: Uint8Array): string {
  return `${tag}\t${Buffer.from(key.buffer, key.byteOffset, key.length).toString('hex')}\t${order}\t${Buffer.from(value.buffer, value.byteOffset, value.length).toString('base64')}\n`;
}

export interface StreamingRecord {
  readonly tag: string;
  readonly key: Buffer;
  readonly value: Buffer;
}

/** A line (without its newline) back into its tag, key and value; a malformed line is an error naming it. */
export function parseStreamingLine(line: string, lineNo: number): StreamingRecord {
  const a = line.indexOf('\t');
  const b = a < 0 ? -1 : line.indexOf('\t', a + 1);
  const c = b < 0 ? -1 : line.indexOf('\t', b + 1);
  if (c < 0 || (b - a - 1) % 2 !== 0 || c - b - 1 !== MAP_DIGITS + SEQ_DIGITS) {
    throw new Error(`shuffle line ${lineNo} is not a bsctl record (tag, key, order, value): ${JSON.stringify(line.slice(0, 80))}`);
  }
  return { tag: line.slice(0, a), key: Buffer.from(line.slice(a + 1, b), 'hex'), value: Buffer.from(line.slice(c + 1), 'base64') };
}
