import picomatch from 'picomatch';
import { glob } from 'tinyglobby';
import { fileSystemFor, absolutePath } from '../fs/resolve.ts';
import type { FileStatus } from '../fs/types.ts';
import { inWindows, PLANNING_WIDTH } from './windows.ts';

const GLOB_CHARS = /[*?[\]{}]/;

/** Hadoop's hidden-file filter: names starting with `_` or `.` are not input (e.g. `_SUCCESS`). */
function visible(status: FileStatus): boolean {
  const name = status.path.slice(status.path.lastIndexOf('/') + 1);
  return !name.startsWith('_') && !name.startsWith('.');
}

/** Appends the files one input path names to `files` (one by one: a directory may hold 10^5 files). */
async function addInputPath(raw: string, files: FileStatus[]): Promise<void> {
  const p = absolutePath(raw);
  const fs = fileSystemFor(p);
  if (GLOB_CHARS.test(p) && fs.scheme !== 'file') {
    // Remote globs: the pattern may be in the last path component (hdfs:///logs/2026-*.txt).
    const slash = p.lastIndexOf('/');
    const dir = p.slice(0, slash);
    if (GLOB_CHARS.test(dir)) throw new Error(`input path ${raw}: on ${fs.scheme}, only the last path component may hold a glob`);
    const match = picomatch(p.slice(slash + 1), { dot: false });
    const before = files.length;
    for (const s of await fs.list(dir)) if (!s.isDirectory && match(s.path.slice(s.path.lastIndexOf('/') + 1)) && visible(s)) files.push(s);
    if (files.length === before) throw new Error(`input path ${raw}: glob matches no file`);
    return;
  }
  if (GLOB_CHARS.test(p) && fs.scheme === 'file') {
    const matches = (await glob(p, { absolute: true, onlyFiles: true, expandDirectories: false })).sort();
    if (matches.length === 0) throw new Error(`input path ${raw}: glob matches no file`);
    for await (const st of inWindows(matches, PLANNING_WIDTH, (m) => fs.stat(m))) if (st && visible(st)) files.push(st);
    return;
  }
  const st = await fs.stat(p);
  if (!st) throw new Error(`input path ${raw}: no such file or directory`);
  if (!st.isDirectory) {
    files.push(st);
    return;
  }
  const entries = await fs.list(p);
  for (const e of entries) {
    // Like Hadoop's FileInputFormat: a subdirectory is an error, not silently skipped.
    if (e.isDirectory && visible(e)) throw new Error(`input path ${raw}: ${e.path} is a directory (not a file); name the files or a glob instead`);
  }
  for (const e of entries) if (visible(e)) files.push(e);
}

/**
 * Expand input paths (files, directories, globs) into the files they name, in the order given
 * (directories and globs sorted by name). Throws naming the path when one matches nothing.
 */
export async function listInputFiles(paths: readonly string[]): Promise<FileStatus[]> {
  if (paths.length === 0) throw new Error('no input path given (--input)');
  const files: FileStatus[] = [];
  for (const raw of paths) await addInputPath(raw, files);
  for await (const _ of inWindows(files, PLANNING_WIDTH, (f) => fileSystemFor(f.path).assertReadable(f.path)));
  return files;
}
