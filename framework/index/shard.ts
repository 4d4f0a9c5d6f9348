/**
 * Document sharding as Havenask does it (havenask.md §4): shard_func HASH on the primary-key field.
 *
 *   hashId    = hashString(UTF-8 bytes of the raw field string) % 65536
 *   partition = the range of splitRange(N) that holds hashId
 *
 * Verified against the public Havenask source (alibaba/havenask, read for reference only):
 * - aios/autil/autil/HashAlgorithm.cpp `hashString(str, size, dwHashType)`: seeds 0x7FED7FED / 0xEEEEEEEE,
 *   bytes read as uint8 (no upper-casing, unlike the original MPQ hash), hash type 0 → table rows 0..255,
 *   all uint32 arithmetic; its literal CRYPT_TABLE starts 0x55C636E2, 0x2BE0170, 0x584B71D4, ... which is
 *   the classic MPQ table we generate below (checked in test/shard.test.ts).
 * - aios/autil/autil/DefaultHashFunction.cpp `getHashId`: `(uint32_t)hashString(buf, len, 0) % _hashSize`;
 *   HashFuncFactory maps "HASH" to DefaultHashFunction (hash size 65536).
 * - build_service util/RangeUtil.cpp `splitRange(from, to, n)`: count = to-from+1, c = count/n,
 *   m = count%n, the first m ranges get c+1 ids (the C++ rule; hape's Python port divides 65535).
 */

/** Number of hash ids (0..65535) ranges are cut from. */
export const HASH_ID_COUNT = 65536;

/** One partition's inclusive hash-id range; its index dir is `partition_<from>_<to>`. */
export interface HashRange {
  readonly from: number;
  readonly to: number;
}

/**
 * Rows 0..255 (hash type 0) of the classic MPQ crypt table. The generator fills 0x500 entries in the
 * order index1 = 0..255, then index2 = index1, index1+0x100, ... (5 per index1); entry index1 is the
 * first of each group of 5, so we step the generator 5 times and keep the first.
 */
const CRYPT_TABLE: Uint32Array = (() => {
  const table = new Uint32Array(256);
  let seed = 0x00100001;
  const next = (): number => (seed = (seed * 125 + 3) % 0x2aaaab); // < 2^32 * 125: exact in a double
  for (let i = 0; i < 256; i++) {
    for (let k = 0; k < 5; k++) {
      const hi = (next() & 0xffff) << 16;
      const lo = next() & 0xffff;
      if (k === 0) table[i] = (hi | lo) >>> 0;
    }
  }
  return table;
})();

/** The generated crypt table (read-only copy), exposed for verification. */
export function cryptTable(): Uint32Array {
  return CRYPT_TABLE.slice();
}

/** Havenask `HashAlgorithm::hashString(bytes, len, 0)`: the MPQ-style string hash, uint32 result. */
export function hashString(bytes: Uint8Array): number {
  let seed1 = 0x7fed7fed;
  let seed2 = 0xeeeeeeee;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]!;
    // `^` and `<<` wrap to 32 bits; the sums stay below 2^34, so every step is exact mod 2^32.
    seed1 = (CRYPT_TABLE[c]! ^ (seed1 + seed2)) >>> 0;
    seed2 = (c + seed1 + seed2 + (seed2 << 5) + 3) >>> 0;
  }
  return seed1;
}

// hashUtf8's state, fed a byte at a time by feed(): module-level, not a closure made for every call
// (tsx's keepNames turns each closure made into a defineProperty call).
let seed1 = 0;
let seed2 = 0;
function feed(c: number): void {
  seed1 = (CRYPT_TABLE[c]! ^ (seed1 + seed2)) >>> 0;
  seed2 = (c + seed1 + seed2 + (seed2 << 5) + 3) >>> 0;
}

/**
 * hashString over the UTF-8 encoding of `s`, encoded on the fly (no allocation). Lone surrogates
 * become U+FFFD, exactly as TextEncoder does.
 */
export function hashUtf8(s: string): number {
  seed1 = 0x7fed7fed;
  seed2 = 0xeeeeeeee;
  for (let i = 0; i < s.length; i++) {
    let cp = s.charCodeAt(i);
    if (cp < 0x80) {
      feed(cp);
      continue;
    }
    if (cp >= 0xd800 && cp <= 0xdfff) {
      const lo = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if (cp <= 0xdbff && lo >= 0xdc00 && lo <= 0xdfff) {
        cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
        i++;
      } else {
        cp = 0xfffd;
      }
    }
    if (cp < 0x800) {
      feed(0xc0 | (cp >> 6));
    } else if (cp < 0x10000) {
      feed(0xe0 | (cp >> 12));
      feed(0x80 | ((cp >> 6) & 0x3f));
    } else {
      feed(0xf0 | (cp >> 18));
      feed(0x80 | ((cp >> 12) & 0x3f));
      feed(0x80 | ((cp >> 6) & 0x3f));
    }
    feed(0x80 | (cp & 0x3f));
  }
  return seed1;
}

/** Shard hash id (0..65535) of a raw field string as written in the data: "1" → 5426, "2" → 47646. */
export function hashId(raw: string): number {
  return hashUtf8(raw) % HASH_ID_COUNT;
}

/**
 * Cut 0..65535 into `n` contiguous ranges (C++ RangeUtil rule): c = floor(65536/n), m = 65536 % n,
 * the first m ranges hold c+1 ids, the rest c. n must be an integer in 1..65536.
 */
export function splitRange(n: number): HashRange[] {
  if (!Number.isInteger(n) || n < 1 || n > HASH_ID_COUNT) {
    throw new Error(`splitRange: partition count must be an integer in 1..${HASH_ID_COUNT}, got ${String(n)}`);
  }
  const c = Math.floor(HASH_ID_COUNT / n);
  const m = HASH_ID_COUNT % n;
  const ranges: HashRange[] = new Array<HashRange>(n);
  let from = 0;
  for (let i = 0; i < n; i++) {
    const to = from + c + (i < m ? 1 : 0) - 1;
    ranges[i] = { from, to };
    from = to + 1;
  }
  return ranges;
}

/**
 * Index of the range holding `id` (binary search; ranges sorted and non-overlapping, as splitRange
 * returns them). Throws if no range holds it.
 */
export function rangeIndex(id: number, ranges: readonly HashRange[]): number {
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const r = ranges[mid]!;
    if (id < r.from) hi = mid - 1;
    else if (id > r.to) lo = mid + 1;
    else return mid;
  }
  throw new Error(`rangeIndex: hash id ${id} is in none of the ${ranges.length} ranges`);
}

/** Partition index of a document whose shard (primary-key) field has raw value `raw`. */
export function shardOf(raw: string, ranges: readonly HashRange[]): number {
  return rangeIndex(hashId(raw), ranges);
}
