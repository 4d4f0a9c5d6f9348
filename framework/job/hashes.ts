import SipHash from 'siphash';

/**
 * The string hashes ClickHouse offers for sharding keys, over a string's UTF-8 bytes (as ClickHouse
 * stores strings) or raw bytes: the same value ClickHouse computes for the same bytes.
 */
export type HashInput = string | Uint8Array;

const bytesOf = (input: HashInput): Uint8Array => (typeof input === 'string' ? Buffer.from(input, 'utf8') : input);

/**
 * ClickHouse's `javaHash` of a string: Java's String.hashCode recurrence (h = 31·h + c) over the bytes
 * taken as signed 8-bit values, as an Int32. Equal to Java's own for ASCII; other characters differ
 * (Java hashes UTF-16 code units).
 */
export function javaHash(input: HashInput): number {
  const b = bytesOf(input);
  let h = 0;
  for (let i = 0; i < b.length; i++) h = (Math.imul(h, 31) + ((b[i]! << 24) >> 24)) | 0;
  return h;
}

/** ClickHouse's `hiveHash`: javaHash with the sign bit cleared (Hive before 3.0), 0 … 2³¹−1. */
export function hiveHash(input: HashInput): number {
  return javaHash(input) & 0x7fffffff;
}

const ZERO_KEY = [0, 0, 0, 0];

/** ClickHouse's `sipHash64` of one string: SipHash-2-4 with the all-zero key, as a UInt64. */
export function sipHash64(input: HashInput): bigint {
  const { h, l } = SipHash.hash(ZERO_KEY, bytesOf(input));
  return (BigInt(h >>> 0) << 32n) | BigInt(l >>> 0);
}
