import { pipeline } from 'node:stream/promises';
import { copyTree } from '../../fs/copy.ts';
import { absolutePath, fileSystemFor, joinPath, splitPath } from '../../fs/resolve.ts';
import type { FileStatus } from '../../fs/types.ts';
import type { FsArgs } from './command.ts';

const out = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

function need(args: FsArgs, n: number, usage: string): string[] {
  if (args.paths.length < n) throw new Error(`fs ${args.action}: usage: bsctl fs ${args.action} ${usage}`);
  return args.paths.map(absolutePath);
}

function lsLine(s: FileStatus): string {
  return `${s.isDirectory ? 'd' : '-'} ${String(s.length).padStart(12)} ${new Date(s.modificationTime).toISOString().slice(0, 16).replace('T', ' ')} ${s.path}`;
}

async function exists(p: string): Promise<FileStatus> {
  const st = await fileSystemFor(p).stat(p);
  if (!st) throw new Error(`${p}: no such file or directory`);
  return st;
}

async function ls(p: string, recursive: boolean, json: boolean): Promise<void> {
  const st = await exists(p);
  const entries = st.isDirectory ? await fileSystemFor(p).list(p) : [st];
  for (const e of entries) {
    out(json ? JSON.stringify(e) : lsLine(e));
    if (recursive && e.isDirectory) await ls(e.path, true, json);
  }
}

/** Where `put`/`get` writes `src`: into `dst` when it is an existing directory, else at `dst`. */
async function target(src: string, dst: string): Promise<string> {
  const st = await fileSystemFor(dst).stat(dst);
  return st?.isDirectory || dst.endsWith('/') ? joinPath(dst, splitPath(src).name) : dst;
}

export async function fsHandler(args: FsArgs): Promise<number> {
  switch (args.action) {
    case 'ls':
      for (const p of need(args, 1, 'PATH...')) await ls(p, args.recursive, args.json);
      return 0;
    case 'stat':
      for (const p of need(args, 1, 'PATH...')) {
        const st = await exists(p);
        const blocks = st.isDirectory ? [] : await fileSystemFor(p).blockLocations(p, 0, st.length);
        out(JSON.stringify({ ...st, blocks }));
      }
      return 0;
    case 'cat':
      try {
        for (const p of need(args, 1, 'FILE...')) await pipeline(fileSystemFor(p).openRead(p), process.stdout, { end: false });
      } catch (err) {
        // The reader went away (e.g. `| head`): not an error.
        if ((err as NodeJS.ErrnoException).code !== 'EPIPE') throw err;
      }
      return 0;
    case 'put':
    case 'get': {
      const paths = need(args, 2, 'SRC... DEST');
      const dst = paths.pop()!;
      for (const src of paths) {
        await exists(src);
        const to = await target(src, dst);
        const n = await copyTree(src, to);
        process.stderr.write(`${args.action}: ${src} -> ${to} (${n} file(s))\n`);
      }
      return 0;
    }
    case 'rm':
      for (const p of need(args, 1, 'PATH...')) {
        const st = await exists(p);
        if (st.isDirectory && !args.recursive) throw new Error(`${p}: is a directory (use rm -r)`);
        await fileSystemFor(p).delete(p);
      }
      return 0;
    case 'mkdir':
      for (const p of need(args, 1, 'DIR...')) await fileSystemFor(p).mkdirs(p);
      return 0;
  }
}
