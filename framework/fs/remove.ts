import { fileSystemFor, joinPath, splitPath } from './resolve.ts';

/** Where `p` is moved before it is deleted: `.<name>.bsctl-trash-<tag>` beside it (hidden; never read as data). */
export function trashPathOf(p: string, tag: string = String(process.pid)): string {
  const { parent, name } = splitPath(p);
  return joinPath(parent, `.${name.replace(/^\./, '')}.bsctl-trash-${tag}`);
}

/**
 * Remove a file or directory (local or HDFS) by rename, then delete: a reader sees all of it or none
 * of it, and a run killed half-way leaves only the hidden trash name, which `bsctl gc` removes.
 */
export async function removeByRename(p: string, tag?: string): Promise<void> {
  const fsys = fileSystemFor(p);
  const trash = trashPathOf(p, tag);
  await fsys.rename(p, trash);
  await fsys.delete(trash);
}
