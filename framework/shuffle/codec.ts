import bytewise from 'bytewise';
import v8 from 'node:v8';
import type { ShuffleKey } from '../job/types.ts';
import { ByteSink, readVarint, type Cursor } from './bytes.ts';

/** bytewise's type tag for strings: a top-level string key is this byte followed by its UTF-8 bytes. */
const STRING_TAG = 0x70;

/**
 * Encode a key so that comparing encodings byte by byte (memcmp) gives the keys' defined order:
 * strings by UTF-8 bytes (= code point order), numbers numerically, arrays element-wise (bytewise's
 * order: null < false < true < numbers < dates < buffers < strings < arrays).
 */
export function encodeKey(key: ShuffleKey): Buffer {
  if (typeof key === 'string') {
    const out = Buffer.allocUnsafe(1 + Buffer.byteLength(key));
    out[0] = STRING_TAG;
    out.write(key, 1, 'utf8');
    return out;
  }
  if (typeof key === 'bigint') throw new TypeError('bigint is not a supported shuffle key type; use a decimal string or number');
  return bytewise.encode(key) as Buffer;
}

/** Append a key's encoding to `sink` without an intermediate buffer (same bytes as encodeKey). */
export function encodeKeyInto(sink: ByteSink, key: ShuffleKey): void {
  if (typeof key === 'string') {
    const n = Buffer.byteLength(key);
    sink.ensure(n + 1);
    sink.buf[sink.length++] = STRING_TAG;
    sink.length += sink.buf.write(key, sink.length, 'utf8');
    return;
  }
  sink.bytes(encodeKey(key));
}

/** Append a value's encoding to `sink` (same bytes as encodeValue; one allocation for objects). */
export function encodeValueInto(sink: ByteSink, value: unknown): void {
  if (typeof value === 'number') {
    sink.ensure(9);
    sink.buf[sink.length] = V_NUMBER;
    sink.buf.writeDoubleLE(value, sink.length + 1);
    sink.length += 9;
  } else if (typeof value === 'string') {
    sink.ensure(1 + 3 * value.length); // UTF-8 takes at most 3 bytes a UTF-16 unit: no byteLength call
    sink.buf[sink.length++] = V_STRING;
    sink.length += sink.buf.write(value, sink.length, 'utf8');
  } else if (typeof value === 'object' && value !== null) {
    if (value instanceof Uint8Array && value.constructor === Buffer) {
      sink.ensure(1 + value.length);
      sink.buf[sink.length++] = V_BYTES;
      sink.bytes(value);
    } else if (!(Array.isArray(value) && arrayInto(sink, value))) {
      const body = v8.serialize(value);
      sink.ensure(1 + body.length);
      sink.buf[sink.length++] = V_V8;
      sink.bytes(body);
    }
  } else {
    sink.bytes(encodeValue(value));
  }
}

/**
 * A dense array of numbers, strings, bigints, booleans, null, undefined, Buffers and such arrays
 * (tsv rows, tagged join records) as V_ARRAY, count, then each element's length and encoding — several
 * times faster than v8 serialisation. False (and `sink` as it was) for anything else.
 */
function arrayInto(sink: ByteSink, arr: readonly unknown[]): boolean {
  const start = sink.length;
  sink.ensure(1);
  sink.buf[sink.length++] = V_ARRAY;
  sink.varint(arr.length);
  for (let i = 0; i < arr.length; i++) {
    if (!(i in arr)) return rollback(sink, start);
    const v = arr[i];
    if (typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array && v.constructor === Buffer)) return rollback(sink, start);
    if (typeof v === 'symbol' || typeof v === 'function') return rollback(sink, start);
    if (typeof v === 'string' && v.length < MAX_SIZED_STRING) {
      stringElement(sink, v);
      continue;
    }
    if (!Array.isArray(v)) {
      sink.varint(primitiveLength(v));
      encodeValueInto(sink, v);
      continue;
    }
    // A nested array's length is not known before it is written: reserve a 4-byte varint, fill it in.
    sink.ensure(4);
    const at = sink.length;
    sink.length += 4;
    const before = sink.length;
    if (!arrayInto(sink, v)) return rollback(sink, start);
    const n = sink.length - before;
    if (n >= 2 ** 28) return rollback(sink, start);
    sink.buf[at] = (n & 0x7f) | 0x80;
    sink.buf[at + 1] = ((n >>> 7) & 0x7f) | 0x80;
    sink.buf[at + 2] = ((n >>> 14) & 0x7f) | 0x80;
    sink.buf[at + 3] = (n >>> 21) & 0x7f;
  }
  return true;
}

/** Strings shorter than this take the one-call path (their bound fits a 4-byte varint). */
const MAX_SIZED_STRING = (2 ** 28 - 2) / 3;

/**
 * A string element: its length varint sized for the most bytes the string can take (3 a UTF-16 unit),
 * written after the string (one native call instead of a byteLength for the length, another for the
 * room, and the write). Short strings get a 1-byte varint as before; a longer bound may leave the
 * varint padded (0x80 continuation bytes), which readVarint reads as the same number.
 */
function stringElement(sink: ByteSink, v: string): void {
  const max = 1 + 3 * v.length;
  const width = max < 0x80 ? 1 : max < 0x4000 ? 2 : max < 0x200000 ? 3 : 4;
  sink.ensure(width + max);
  const at = sink.length;
  const body = at + width;
  sink.buf[body] = V_STRING;
  const bytes = 1 + sink.buf.write(v, body + 1, 'utf8');
  let n = bytes;
  for (let i = 0; i < width - 1; i++) {
    sink.buf[at + i] = (n & 0x7f) | 0x80;
    n >>>= 7;
  }
  sink.buf[at + width - 1] = n;
  sink.length = body + bytes;
}

/** The length of encodeValue(v) of a number, string, bigint, boolean, null, undefined or Buffer. */
function primitiveLength(v: unknown): number {
  if (typeof v === 'number') return 9;
  if (typeof v === 'string') return 1 + Buffer.byteLength(v);
  if (typeof v === 'bigint') return 1 + v.toString().length;
  if (v instanceof Uint8Array) return 1 + v.length;
  return 1;
}

function rollback(sink: ByteSink, start: number): false {
  sink.length = start;
  return false;
}

export function decodeKey(buf: Buffer): ShuffleKey {
  if (buf[0] === STRING_TAG) return buf.toString('utf8', 1);
  return bytewise.decode(buf) as ShuffleKey;
}

const V_NUMBER = 1;
const V_STRING = 2;
const V_BIGINT = 3;
const V_TRUE = 4;
const V_FALSE = 5;
const V_NULL = 6;
const V_UNDEFINED = 7;
const V_V8 = 8;
const V_BYTES = 9;
const V_ARRAY = 10;

/** Encode a map-output value: fast paths for numbers, strings and bigints; v8 serialisation otherwise. */
export function encodeValue(value: unknown): Buffer {
  switch (typeof value) {
    case 'number': {
      const out = Buffer.allocUnsafe(9);
      out[0] = V_NUMBER;
      out.writeDoubleLE(value, 1);
      return out;
    }
    case 'string': {
      const out = Buffer.allocUnsafe(1 + Buffer.byteLength(value));
      out[0] = V_STRING;
      out.write(value, 1, 'utf8');
      return out;
    }
    case 'bigint':
      return Buffer.concat([Buffer.of(V_BIGINT), Buffer.from(value.toString(), 'latin1')]);
    case 'boolean':
      return Buffer.of(value ? V_TRUE : V_FALSE);
    case 'undefined':
      return Buffer.of(V_UNDEFINED);
    default: {
      if (value === null) return Buffer.of(V_NULL);
      const sink = new ByteSink(256);
      encodeValueInto(sink, value);
      return Buffer.from(sink.buf.subarray(0, sink.length));
    }
  }
}

export function decodeValue(buf: Buffer): unknown {
  switch (buf[0]) {
    case V_NUMBER:
      return buf.readDoubleLE(1);
    case V_STRING:
      return buf.toString('utf8', 1);
    case V_BIGINT:
      return BigInt(buf.toString('latin1', 1));
    case V_TRUE:
      return true;
    case V_FALSE:
      return false;
    case V_NULL:
      return null;
    case V_UNDEFINED:
      return undefined;
    case V_V8:
      return v8.deserialize(buf.subarray(1));
    case V_BYTES:
      return Buffer.from(buf.subarray(1));
    case V_ARRAY: {
      const pos: Cursor = { at: 1 };
      const n = readVarint(buf, pos, 'shuffle value');
      const out: unknown[] = new Array(n);
      for (let i = 0; i < n; i++) {
        const len = readVarint(buf, pos, 'shuffle value');
        const at = pos.at;
        // Numbers and strings read in place (most elements); the rest through a view.
        if (buf[at] === V_STRING) out[i] = buf.toString('utf8', at + 1, at + len);
        else if (buf[at] === V_NUMBER && len === 9) out[i] = buf.readDoubleLE(at + 1);
        else out[i] = decodeValue(buf.subarray(at, at + len));
        pos.at += len;
      }
      return out;
    }
    default:
      throw new Error(`corrupt shuffle value (tag ${buf[0]})`);
  }
}
