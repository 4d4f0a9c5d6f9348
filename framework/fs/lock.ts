import { randomBytes } from 'node:crypto';
import { currentOwner, describeOwner, ownerState, parseOwner, type OwnerRecord } from './owner.ts';
import { fileSystemFor } from './resolve.ts';
import { readSmallFile, writeSmallFile } from './small-file.ts';

export interface LockOptions {
  /** Wait for a live holder to finish instead of failing at once (default false). */
  readonly wait?: boolean;
  readonly pollMs?: number;
  /** What the lock guards, for messages ("table in1"). */
  readonly what: string;
  readonly job?: string;
  readonly log?: (line: string) => void;
}

export interface Lock {
  readonly file: string;
  release(): Promise<void>;
}

export class LockHeldError extends Error {
  constructor(
    readonly what: string,
    readonly holder: OwnerRecord | undefined,
    readonly file: string,
  ) {
    super(`${what} is locked by ${holder ? describeOwner(holder) : 'another run'} (${file}); wait for it to finish, or pass --wait`);
    this.name = 'LockHeldError';
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Create `file` holding our owner record; false if it already exists. */
async function tryCreate(file: string, owner: OwnerRecord): Promise<boolean> {
  try {
    await writeSmallFile(file, `${JSON.stringify(owner)}\n`, { exclusive: true });
    return true;
  } catch (err) {
    if (await fileSystemFor(file).stat(file)) return false;
    throw err;
  }
}

/**
 * Remove a lock whose holder is dead. Only the process that holds `<file>.takeover` may do it, so two
 * runs that both find the same stale lock cannot remove each other's new one.
 */
async function breakStaleLock(file: string, stale: OwnerRecord | undefined, me: OwnerRecord, log?: (line: string) => void): Promise<void> {
  const fsys = fileSystemFor(file);
  const takeover = `${file}.takeover`;
  if (!(await tryCreate(takeover, me))) {
    const other = parseOwner(await readSmallFile(takeover));
    // A takeover left by a run that died in the middle of one: nobody holds it any more.
    if (!other || ownerState(other) === 'dead') await fsys.delete(takeover);
    return;
  }
  try {
    const now = parseOwner(await readSmallFile(file));
    if (now && stale && now.pid === stale.pid && now.createdAt === stale.createdAt && ownerState(now) === 'dead') {
      const aside = `${file}.stale-${randomBytes(4).toString('hex')}`;
      await fsys.rename(file, aside);
      await fsys.delete(aside);
      log?.(`took over the lock ${file} of a run that is gone (${describeOwner(now)})`);
    }
  } finally {
    await fsys.delete(takeover);
  }
}

/**
 * Take an exclusive lock file (local disk or HDFS: created only if absent). A lock whose owner process
 * is gone is taken over; a live one fails at once with LockHeldError, or is waited for with `wait`.
 */
export async function acquireLock(file: string, options: LockOptions): Promise<Lock> {
  const me = currentOwner(options.job);
  let announced = false;
  for (;;) {
    if (await tryCreate(file, me)) break;
    const holder = parseOwner(await readSmallFile(file));
    if (holder && ownerState(holder) === 'dead') {
      await breakStaleLock(file, holder, me, options.log);
      continue;
    }
    if (!holder) {
      // Being written this instant, or not ours: look again shortly before judging it.
      await sleep(200);
      const again = await readSmallFile(file);
      if (again === undefined) continue;
      if (!parseOwner(again) && !options.wait) throw new LockHeldError(options.what, undefined, file);
    }
    if (!options.wait) throw new LockHeldError(options.what, holder, file);
    if (!announced) options.log?.(`${options.what} is locked by ${holder ? describeOwner(holder) : 'another run'}; waiting (--wait)`);
    announced = true;
    await sleep(options.pollMs ?? 1000);
  }
  let released = false;
  return {
    file,
    release: async () => {
      if (released) return;
      released = true;
      // Only our own lock is removed (never one a later run took over).
      const now = parseOwner(await readSmallFile(file).catch(() => undefined));
      if (now && now.pid === me.pid && now.createdAt === me.createdAt && now.host === me.host) await fileSystemFor(file).delete(file);
    },
  };
}
