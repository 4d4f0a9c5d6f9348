import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { fileSystemFor } from '../../framework/fs/resolve.ts';
import { ROOT } from './cli.ts';

/** The real HDFS `npm test` starts (scripts/test.js); tests fail clearly without it. */
export function requireHdfs(): void {
  if (!process.env.BSCTL_TEST_HDFS || !process.env.BSCTL_NAMENODE) {
    throw new Error('no test HDFS: run `npm test` (it starts one), or `scripts/hdfs start` and export BSCTL_TEST_HDFS=1 plus `scripts/hdfs env`');
  }
}

/** Run scripts/hdfs (same state dir and ports as the running test HDFS). */
export function hdfsScript(...args: string[]): string {
  const r = spawnSync(path.join(ROOT, 'scripts/hdfs'), args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`scripts/hdfs ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

/** A fresh directory URI for one test. */
export function hdfsDir(prefix: string): string {
  return `hdfs:///test/${prefix}-${randomBytes(4).toString('hex')}`;
}

export async function hdfsWrite(uri: string, data: string | Buffer): Promise<void> {
  await pipeline(Readable.from([Buffer.from(data)]), fileSystemFor(uri).create(uri, { overwrite: true }));
}

export async function hdfsRead(uri: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of fileSystemFor(uri).openRead(uri)) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}
