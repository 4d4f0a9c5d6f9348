import fs from 'node:fs';
import path from 'node:path';

/** What a directory a task writes is for: its local (work, scratch) space, or the job's output. */
export type DiskRole = 'local' | 'output';

/** A directory a task attempt writes into. */
export interface TaskDir {
  readonly role: DiskRole;
  readonly dir: string;
}

const ROLE_NAME: Record<DiskRole, string> = {
  local: "the task's local directory",
  output: "the job's output directory",
};

/** The filesystem holding `p` (or its nearest existing ancestor): mount point, free and total bytes. */
interface FsInfo {
  readonly dev: number;
  readonly mount: string;
  readonly free: number;
  readonly total: number;
}

function existingAncestor(p: string): string {
  let d = path.resolve(p);
  while (!fs.existsSync(d) && path.dirname(d) !== d) d = path.dirname(d);
  return d;
}

function fsInfo(p: string): FsInfo | undefined {
  try {
    const d = existingAncestor(p);
    const { dev } = fs.statSync(d);
    let mount = d;
    while (path.dirname(mount) !== mount && fs.statSync(path.dirname(mount)).dev === dev) mount = path.dirname(mount);
    const s = fs.statfsSync(d);
    return { dev, mount, free: s.bavail * s.bsize, total: s.blocks * s.bsize };
  } catch {
    return undefined;
  }
}

const inside = (p: string, dir: string): boolean => {
  const r = path.relative(dir, p);
  return r === '' || (!r.startsWith('..') && !path.isAbsolute(r));
};

function size(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let u = 0;
  while (n >= 1024 && u < units.length - 1) {
    n /= 1024;
    u++;
  }
  return u === 0 ? `${n} B` : `${n.toFixed(1)} ${units[u]}`;
}

/**
 * A full disk (ENOSPC) while a task wrote, naming the directory that was full and its role. Not
 * deterministic: the retry may run on a machine with room (or after space was freed).
 */
export class DiskFullError extends Error {
  constructor(
    message: string,
    readonly role: DiskRole | undefined,
    readonly dir: string,
    readonly mount: string | undefined,
  ) {
    super(message);
    this.name = 'DiskFullError';
  }
}

export function isDiskFull(err: unknown): err is NodeJS.ErrnoException {
  return (err as NodeJS.ErrnoException | null)?.code === 'ENOSPC';
}

/**
 * The ENOSPC `err` of a task that writes into `dirs`, as a DiskFullError. The directory is the one of
 * `err.path` when Node names it (open, mkdir); a write on an open file names no path, so it is the
 * directory whose filesystem has the least room left.
 */
export function diskFullError(err: NodeJS.ErrnoException, dirs: readonly TaskDir[]): DiskFullError {
  const named = typeof err.path === 'string' && path.isAbsolute(err.path) ? err.path : undefined;
  let role: DiskRole | undefined;
  let dir: string;
  let info: FsInfo | undefined;
  if (named) {
    dir = named;
    role = dirs.find((d) => inside(named, d.dir))?.role;
    info = fsInfo(named);
  } else {
    let best: { d: TaskDir; info: FsInfo } | undefined;
    for (const d of dirs) {
      const i = fsInfo(d.dir);
      if (i && (!best || i.free < best.info.free)) best = { d, info: i };
    }
    role = best?.d.role ?? dirs[0]?.role;
    dir = best?.d.dir ?? dirs[0]?.dir ?? '(unknown)';
    info = best?.info;
  }
  // Other roles on the same filesystem are full too: say so.
  const shared = info ? dirs.filter((d) => d.role !== role && fsInfo(d.dir)?.dev === info.dev).map((d) => d.role) : [];
  const what = role ? ROLE_NAME[role] : 'a directory the task writes';
  const also = shared.length ? ` (the same filesystem holds ${[...new Set(shared)].map((r) => ROLE_NAME[r]).join(' and ')})` : '';
  const where = info ? `; its filesystem, mounted at ${JSON.stringify(info.mount)}, is ${size(info.total)} in size, ${size(info.free)} free after the failed write` : '';
  const head = (err.message || 'ENOSPC: no space left on device').replace(/\s+$/, '');
  return new DiskFullError(`${head}: no space left in ${what} ${JSON.stringify(dir)}${where}${also}`, role, dir, info?.mount);
}

/** Role and mount point named by a DiskFullError's message (it crosses process boundaries as text). */
export function parseDiskFull(message: string): { readonly role: DiskRole | undefined; readonly dir: string; readonly mount: string | undefined } | undefined {
  const m = /no space left in (the task's local directory|the job's output directory|a directory the task writes) ("(?:[^"\\]|\\.)*")(?:; its filesystem, mounted at ("(?:[^"\\]|\\.)*"))?/.exec(message);
  if (!m) return undefined;
  const role = (Object.keys(ROLE_NAME) as DiskRole[]).find((r) => ROLE_NAME[r] === m[1]);
  return { role, dir: JSON.parse(m[2]!) as string, mount: m[3] ? (JSON.parse(m[3]) as string) : undefined };
}
