import path from 'node:path';
import { HdfsFileSystem } from './hdfs.ts';
import { LocalFileSystem } from './local.ts';
import type { FileSystem } from './types.ts';

const local = new LocalFileSystem();
const hdfs = new HdfsFileSystem();

/** The FileSystem that serves a path: local (plain paths, file://) or HDFS (hdfs://, webhdfs://). */
export function fileSystemFor(p: string): FileSystem {
  const m = /^([a-z][a-z0-9+.-]*):\/\//i.exec(p);
  if (!m || m[1]!.toLowerCase() === 'file') return local;
  const scheme = m[1]!.toLowerCase();
  if (scheme === 'hdfs' || scheme === 'webhdfs') return hdfs;
  throw new Error(`unsupported filesystem scheme "${m[1]}://" in ${p} (use a local path, hdfs:// or webhdfs://)`);
}

/** True for paths on the local disk. */
export function isLocal(p: string): boolean {
  return fileSystemFor(p) === local;
}

/** Absolute form of a user-given path (relative local paths resolve against the cwd). */
export function absolutePath(p: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(p) ? p : path.resolve(p);
}

/** Parent and base name of a path, for URIs and local paths alike. */
export function splitPath(p: string): { parent: string; name: string } {
  const trimmed = p.replace(/\/+$/, '');
  const i = trimmed.lastIndexOf('/');
  if (i < 0) return { parent: '.', name: trimmed };
  return { parent: i === 0 ? '/' : trimmed.slice(0, i), name: trimmed.slice(i + 1) };
}

export function joinPath(base: string, ...parts: string[]): string {
  return [base.replace(/\/+$/, ''), ...parts].join('/');
}
