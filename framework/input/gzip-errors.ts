import { InputError } from './types.ts';

/** Node's zlib errors carry a `Z_...` code (Z_DATA_ERROR, Z_BUF_ERROR, ...). */
function zlibCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('Z_') ? code : undefined;
}

/**
 * A zlib error while reading the `.gz` file `path` as an InputError naming the file and the offset
 * (in the decompressed text) of the first record that could not be read; any other error unchanged.
 * A damaged file fails the same way on every attempt, so the task is not retried (InputError).
 */
export function gzipInputError(path: string, err: unknown, decompressedOffset: number): unknown {
  const code = zlibCode(err);
  if (code === undefined || !path.endsWith('.gz')) return err;
  const zlib = err instanceof Error ? err.message : String(err);
  const what = code === 'Z_BUF_ERROR' ? 'the gzip file is truncated or corrupt' : 'the gzip file is corrupt';
  return new InputError(path, decompressedOffset, `${what} (zlib ${code}: ${zlib}); this offset is in the decompressed text, nothing from it on could be read`);
}
