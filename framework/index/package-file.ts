import fs from 'node:fs';
import path from 'node:path';
import { concatFiles, copyFile, copyTree } from '../fs/copy.ts';
import { fileSystemFor, joinPath } from '../fs/resolve.ts';
import { readSmallFile, writeSmallFile } from '../fs/small-file.ts';
import { FsError } from '../fs/types.ts';

/**
 * A partition as a package file (in the manner of Havenask's package files): its files concatenated
 * into one data file, located by a JSON meta file, with `version.0` beside them, written last. An HDFS
 * file costs one DataNode request thread for ~0.4 s while it closes whatever its size, so a partition of
 * 20 files took 2-3 s to upload and one of 3 files takes well under 1; see docs/index-format.md "Package
 * file".
 */
export const PACKAGE_META = 'package_file.__meta__';
export const PACKAGE_DATA = 'package_file.__data__0';
export const PACKAGE_FORMAT = 'bsctl-package-1';
/** Kept outside the package: its presence marks a complete partition. */
const VERSION_FILE = 'version.0';

/** One file inside the package: bytes [offset, offset + length) of the data file. */
export interface PackagedFile {
  readonly path: string;
  readonly offset: number;
  readonly length: number;
}

export interface PackageMeta {
  readonly format: typeof PACKAGE_FORMAT;
  readonly data: string;
  /** Every directory under the partition (empty ones too), parents before children. */
  readonly dirs: readonly string[];
  /** In data-file order: each starts where the one before it ended. */
  readonly files: readonly PackagedFile[];
}

/** A relative path inside a partition: `/`-separated names of letters, digits, `_`, `-` and `.`; no `.` or `..`. */
const INNER_PATH = /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/;
const innerPathOk = (p: string): boolean => INNER_PATH.test(p) && p.split('/').every((n) => n !== '.' && n !== '..');

/** The meta of a local partition directory's files (all but version.0), in sorted path order. */
export function packageMetaOf(localDir: string): PackageMeta {
  const dirs: string[] = [];
  const files: PackagedFile[] = [];
  let offset = 0;
  const walk = (rel: string): void => {
    const entries = fs.readdirSync(path.join(localDir, rel), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const e of entries) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        dirs.push(p);
        walk(p);
      } else if (p !== VERSION_FILE) {
        const length = fs.statSync(path.join(localDir, p)).size;
        files.push({ path: p, offset, length });
        offset += length;
      }
    }
  };
  walk('');
  return { format: PACKAGE_FORMAT, data: PACKAGE_DATA, dirs, files };
}

/**
 * Upload a finished local partition to `remoteDir` (any FileSystem) as a package: the data file and the
 * meta side by side, then version.0 under a temporary name renamed into place once both are complete.
 */
export async function uploadPackedPartition(localDir: string, remoteDir: string): Promise<PackageMeta> {
  const meta = packageMetaOf(localDir);
  const remote = fileSystemFor(remoteDir);
  await remote.mkdirs(remoteDir);
  const versionTmp = joinPath(remoteDir, `.${VERSION_FILE}.tmp`);
  await Promise.all([
    concatFiles(meta.files.map((f) => path.join(localDir, f.path)), joinPath(remoteDir, PACKAGE_DATA)),
    writeSmallFile(joinPath(remoteDir, PACKAGE_META), `${JSON.stringify(meta)}\n`, { exclusive: true }),
    copyFile(path.join(localDir, VERSION_FILE), versionTmp, { overwrite: true }),
  ]);
  await remote.rename(versionTmp, joinPath(remoteDir, VERSION_FILE));
  return meta;
}

/** The meta as read from `file`, checked: a clear error naming the file and the entry, never a path outside the partition. */
export function parsePackageMeta(text: string, file: string, dataLength: number): PackageMeta {
  const bad = (why: string): never => {
    throw new FsError('unpack', file, why, 'EBADPACKAGE');
  };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return bad(`not JSON (${(err as Error).message})`);
  }
  const m = raw as Partial<PackageMeta> | null;
  if (typeof m !== 'object' || m === null || m.format !== PACKAGE_FORMAT) return bad(`not a ${PACKAGE_FORMAT} meta (format ${JSON.stringify(m?.format)})`);
  if (m.data !== PACKAGE_DATA) return bad(`data file ${JSON.stringify(m.data)}: only ${PACKAGE_DATA} is read`);
  if (!Array.isArray(m.dirs) || !Array.isArray(m.files)) return bad('"dirs" and "files" must be arrays');
  m.dirs.forEach((d, i) => {
    if (typeof d !== 'string' || !innerPathOk(d)) bad(`dirs[${i}] ${JSON.stringify(d)} is not a path inside the partition`);
  });
  let offset = 0;
  m.files.forEach((f, i) => {
    const where = `files[${i}]`;
    if (typeof f !== 'object' || f === null || typeof f.path !== 'string' || !innerPathOk(f.path) || f.path === VERSION_FILE) bad(`${where} path ${JSON.stringify(f?.path)} is not a path inside the partition`);
    if (!Number.isSafeInteger(f.length) || f.length < 0) bad(`${where} (${f.path}) length ${JSON.stringify(f.length)} is not a byte count`);
    if (f.offset !== offset) bad(`${where} (${f.path}) starts at ${JSON.stringify(f.offset)}, expected ${offset} (where the file before it ends)`);
    offset += f.length;
  });
  if (offset !== dataLength) bad(`the files add up to ${offset} bytes but ${PACKAGE_DATA} holds ${dataLength}`);
  return m as PackageMeta;
}

/** Write the package's files under `localDir` from one sequential read of the data file. */
async function unpack(remoteDir: string, localDir: string): Promise<number> {
  const metaFile = joinPath(remoteDir, PACKAGE_META);
  const dataFile = joinPath(remoteDir, PACKAGE_DATA);
  const remote = fileSystemFor(remoteDir);
  const dataStat = await remote.stat(dataFile);
  if (!dataStat) throw new FsError('unpack', dataFile, 'missing beside its meta', 'EBADPACKAGE');
  const meta = parsePackageMeta((await readSmallFile(metaFile, 16 * 1024 * 1024)) ?? '', metaFile, dataStat.length);
  fs.mkdirSync(localDir, { recursive: true });
  for (const d of meta.dirs) fs.mkdirSync(path.join(localDir, d), { recursive: true });
  let i = 0;
  let fd: number | undefined;
  let left = 0;
  const next = (): void => {
    while (left === 0 && i < meta.files.length) {
      if (fd !== undefined) fs.closeSync(fd);
      const f = meta.files[i++]!;
      const target = path.join(localDir, f.path);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fd = fs.openSync(target, 'wx');
      left = f.length;
    }
  };
  try {
    next();
    let at = 0;
    for await (const chunk of remote.openRead(dataFile) as AsyncIterable<Buffer>) {
      let off = 0;
      while (off < chunk.length) {
        if (left === 0) throw new FsError('unpack', dataFile, `more bytes than the meta lists (${at + off} and on)`, 'EBADPACKAGE');
        const n = Math.min(left, chunk.length - off);
        fs.writeSync(fd!, chunk, off, n);
        off += n;
        left -= n;
        next();
      }
      at += chunk.length;
    }
    if (left > 0 || i < meta.files.length) throw new FsError('unpack', dataFile, `ends early: ${meta.files[i - 1]?.path} is short by ${left} bytes`, 'EBADPACKAGE');
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
  await copyFile(joinPath(remoteDir, VERSION_FILE), path.join(localDir, VERSION_FILE));
  return meta.files.length + 1;
}

/**
 * Copy one partition directory to local disk as plain files: a package is unpacked, a partition of
 * plain files (older bsctl, or `fullbuild.package=false`) copied as it is. Returns the files written.
 */
export async function downloadPartition(remoteDir: string, localDir: string): Promise<number> {
  if (await fileSystemFor(remoteDir).stat(joinPath(remoteDir, PACKAGE_META))) return unpack(remoteDir, localDir);
  return copyTree(remoteDir, localDir);
}

/** Copy a generation to local disk, every packaged partition unpacked (the serving mirror; tests). */
export async function downloadGeneration(remoteGeneration: string, localDir: string): Promise<number> {
  const remote = fileSystemFor(remoteGeneration);
  fs.mkdirSync(localDir, { recursive: true });
  let n = 0;
  for (const e of await remote.list(remoteGeneration)) {
    const name = e.path.slice(e.path.lastIndexOf('/') + 1);
    const target = path.join(localDir, name);
    n += e.isDirectory ? await downloadPartition(e.path, target) : await copyTree(e.path, target);
  }
  return n;
}
