import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { fileSystemFor } from './resolve.ts';

/** Write a small file in one go; `exclusive` fails (EEXIST / FileAlreadyExists) if it exists. */
export async function writeSmallFile(path: string, data: string, options: { exclusive?: boolean } = {}): Promise<void> {
  await pipeline(Readable.from([Buffer.from(data)]), fileSystemFor(path).create(path, { overwrite: !options.exclusive }));
}

/** A small file's text (at most `limit` bytes), or undefined when it does not exist. */
export async function readSmallFile(path: string, limit = 64 * 1024): Promise<string | undefined> {
  const fsys = fileSystemFor(path);
  const st = await fsys.stat(path);
  if (!st || st.isDirectory) return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of fsys.openRead(path, 0, Math.min(st.length, limit))) {
    chunks.push(chunk as Buffer);
    size += (chunk as Buffer).length;
    if (size >= limit) break;
  }
  return Buffer.concat(chunks).toString('utf8');
}
