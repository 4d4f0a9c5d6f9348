import type { Readable, Writable } from 'node:stream';

/** What a FileSystem knows about one path. */
export interface FileStatus {
  readonly path: string;
  readonly isDirectory: boolean;
  readonly length: number;
  /** Block size used for splitting (HDFS block size; a configurable default on local disks). */
  readonly blockSize: number;
  readonly modificationTime: number;
}

/** Hosts holding one block of a file (for locality). */
export interface BlockLocation {
  readonly offset: number;
  readonly length: number;
  readonly hosts: readonly string[];
}

/**
 * The storage interface everything reads and writes through. Paths are full URIs or absolute local
 * paths, exactly as the user wrote them after resolution (see resolve.ts).
 */
export interface FileSystem {
  readonly scheme: string;
  /** Status of a path, or undefined when it does not exist. */
  stat(path: string): Promise<FileStatus | undefined>;
  /** Throws an FsError naming the path when the file cannot be read (checked before a job starts). */
  assertReadable(path: string): Promise<void>;
  /** Entries of a directory (not recursive). */
  list(path: string): Promise<FileStatus[]>;
  /**
   * Streamed read of [start, end) (end exclusive; default: end of file). `chunkBytes`: how much to read
   * at a time where the filesystem lets us choose (local: default 1 MiB; a small split reads less).
   */
  openRead(path: string, start?: number, end?: number, options?: { readonly chunkBytes?: number }): Readable;
  /** Streamed create; parent directories are created. Fails if the file exists unless overwrite. */
  create(path: string, options?: { overwrite?: boolean }): Writable;
  mkdirs(path: string): Promise<void>;
  /** Rename; fails if the destination exists. */
  rename(from: string, to: string): Promise<void>;
  /** Delete a file or (recursively) a directory; no error when it does not exist. */
  delete(path: string): Promise<void>;
  /** The blocks holding [start, start+length) of a file whose length a status just gave. */
  blockLocations(path: string, start: number, length: number): Promise<BlockLocation[]>;
}

/** Error raised by FileSystem operations, naming the path and the underlying cause. */
export class FsError extends Error {
  constructor(
    readonly op: string,
    readonly path: string,
    readonly reason: string,
    readonly code?: string,
  ) {
    super(`${op} ${path}: ${reason}`);
    this.name = 'FsError';
  }
}
