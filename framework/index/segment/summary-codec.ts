import { createRequire } from 'node:module';
import zlib from 'node:zlib';
import type { SummaryCompression } from '../schema/model.ts';

export interface BlockCodec {
  readonly name: SummaryCompression;
  compress(block: Buffer): Buffer;
  decompress(block: Buffer): Buffer;
}

interface Lz4Napi {
  compressSync(data: Buffer): Buffer;
  uncompressSync(data: Uint8Array): Buffer;
}

let lz4: Lz4Napi | undefined;

/** lz4-napi (LZ4 block format behind its uncompressed length, uint32 LE), loaded on first use: a native addon. */
function lz4Module(): Lz4Napi {
  lz4 ??= createRequire(import.meta.url)('lz4-napi') as Lz4Napi;
  return lz4;
}

const CODECS: Record<SummaryCompression, BlockCodec> = {
  lz4: {
    name: 'lz4',
    compress: (b) => lz4Module().compressSync(b),
    decompress: (b) => lz4Module().uncompressSync(b),
  },
  // As indexlib's two zlib compressors: `zlib` at the fastest level, `zlib_default` at zlib's default (6).
  zlib: {
    name: 'zlib',
    compress: (b) => zlib.deflateSync(b, { level: zlib.constants.Z_BEST_SPEED }),
    decompress: (b) => zlib.inflateSync(b),
  },
  zlib_default: {
    name: 'zlib_default',
    compress: (b) => zlib.deflateSync(b, { level: zlib.constants.Z_DEFAULT_COMPRESSION }),
    decompress: (b) => zlib.inflateSync(b),
  },
};

/** The codec of a summary compressor (docs/index-format.md "Summary"). */
export function summaryCodec(name: SummaryCompression): BlockCodec {
  return CODECS[name];
}
