import fs from 'node:fs';
import path from 'node:path';
import { describeOwner, ownerState, parseOwner } from '../fs/owner.ts';
import { removeByRename } from '../fs/remove.ts';
import { fileSystemFor, joinPath } from '../fs/resolve.ts';
import { readSmallFile } from '../fs/small-file.ts';

/** The owner record bsctl writes into each staging and work directory it creates. */
export const OWNER_FILE = '_bsctl_owner.json';

/** Directories without an owner record are only taken for stale after this long (they may be being created). */
const ORPHAN_AGE_MS = 60 * 60 * 1000;

/** Hidden names bsctl creates beside an output: staging, a replaced output moved aside, trash. */
const STAGING = /^\.(.+)\.bsctl-(job_[A-Za-z0-9_]+)$/;
const OLD = /^\.(.+)\.bsctl-old-(job_[A-Za-z0-9_]+)$/;
const TRASH = /^\.(.+)\.bsctl-trash-[A-Za-z0-9_]+$/;
const LOCK_LEFTOVER = /^\.bsctl-[a-z-]+\.lock\.stale-[0-9a-f]+$/;

export interface SweepResult {
  readonly removed: string[];
  readonly restored: string[];
  readonly kept: string[];
}

const nameOf = (p: string): string => p.slice(p.replace(/\/+$/, '').lastIndexOf('/') + 1);

/** 'dead' when the directory's owner is gone (or it has none and is old), else 'alive' / 'unknown'. */
async function dirOwnerState(dir: string, mtime: number): Promise<{ state: 'alive' | 'dead' | 'unknown'; who?: string }> {
  const owner = parseOwner(await readSmallFile(joinPath(dir, OWNER_FILE)).catch(() => undefined));
  if (!owner) return { state: Date.now() - mtime > ORPHAN_AGE_MS ? 'dead' : 'alive', who: 'no owner record' };
  return { state: ownerState(owner), who: describeOwner(owner) };
}

/**
 * Clean what killed runs left beside outputs in `parent` (local or HDFS): staging dirs and trash of
 * runs whose process is gone; a replaced output moved aside by a commit that died half-way is put back
 * (the previous output stays the published one) or, when the new one was published, removed. Never
 * touches anything of a live run, anything of a run on another host, or any name bsctl did not create.
 */
export async function sweepStaleOutputs(parent: string, log: (line: string) => void = () => {}): Promise<SweepResult> {
  const result: SweepResult = { removed: [], restored: [], kept: [] };
  const fsys = fileSystemFor(parent);
  if (!(await fsys.stat(parent))?.isDirectory) return result;
  const entries = await fsys.list(parent);
  const names = new Set(entries.map((e) => nameOf(e.path)));
  // Replaced outputs first: whether one goes back depends on its staging, which may be swept below.
  const ordered = [...entries.filter((e) => OLD.test(nameOf(e.path))), ...entries.filter((e) => !OLD.test(nameOf(e.path)))];
  for (const e of ordered) {
    const name = nameOf(e.path);
    try {
      if (TRASH.test(name) || LOCK_LEFTOVER.test(name)) {
        await fsys.delete(e.path);
        result.removed.push(e.path);
        continue;
      }
      const old = OLD.exec(name);
      if (old) {
        const output = joinPath(parent, old[1]!);
        if (names.has(old[1]!)) {
          await removeByRename(e.path); // the new output was published; this is the replaced one
          result.removed.push(e.path);
          continue;
        }
        const staging = `.${old[1]}.bsctl-${old[2]}`;
        const st = entries.find((x) => nameOf(x.path) === staging);
        if (st && (await dirOwnerState(st.path, st.modificationTime)).state !== 'dead') {
          result.kept.push(e.path);
          continue;
        }
        await fsys.rename(e.path, output);
        result.restored.push(output);
        log(`restored ${output}: a commit that died half-way had moved it aside`);
        continue;
      }
      const staging = STAGING.exec(name);
      if (staging && e.isDirectory) {
        const { state, who } = await dirOwnerState(e.path, e.modificationTime);
        if (state !== 'dead') {
          result.kept.push(e.path);
          continue;
        }
        await removeByRename(e.path);
        result.removed.push(e.path);
        log(`removed ${e.path}: staging of a run that is gone (${who})`);
      }
    } catch (err) {
      log(`could not clean ${e.path}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return result;
}

/** Remove job work dirs (`<workRoot>/job_*`) of runs whose process is gone. Local disk only. */
export async function sweepStaleWorkDirs(workRoot: string, log: (line: string) => void = () => {}): Promise<SweepResult> {
  const result: SweepResult = { removed: [], restored: [], kept: [] };
  let names: string[];
  try {
    names = fs.readdirSync(workRoot);
  } catch {
    return result;
  }
  for (const name of names) {
    if (!/^job_[A-Za-z0-9_]+$/.test(name)) continue;
    const dir = path.join(workRoot, name);
    try {
      // Without an owner record (a task's own scratch), the newest entry's time says whether it is in use.
      const newest = Math.max(fs.statSync(dir).mtimeMs, ...fs.readdirSync(dir).slice(0, 1000).map((n) => fs.statSync(path.join(dir, n), { throwIfNoEntry: false })?.mtimeMs ?? 0));
      const { state, who } = await dirOwnerState(dir, newest);
      if (state !== 'dead') {
        result.kept.push(dir);
        continue;
      }
      await removeByRename(dir);
      result.removed.push(dir);
      log(`removed ${dir}: work dir of a run that is gone (${who})`);
    } catch (err) {
      log(`could not clean ${dir}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  for (const name of names) if (/^\.job_[A-Za-z0-9_]+\.bsctl-trash-\d+$/.test(name)) fs.rmSync(path.join(workRoot, name), { recursive: true, force: true });
  await sweepResumeRecords(path.join(workRoot, 'resume'), result, log);
  return result;
}

/** `--resume` records nobody resumed for this long are removed (a run using them holds their lock). */
const RESUME_KEEP_MS = 7 * 24 * 60 * 60 * 1000;

async function sweepResumeRecords(root: string, result: SweepResult, log: (line: string) => void): Promise<void> {
  let names: string[];
  try {
    names = fs.readdirSync(root);
  } catch {
    return;
  }
  for (const name of names) {
    const dir = path.join(root, name);
    try {
      if (/\.bsctl-trash-\d+$/.test(name)) {
        fs.rmSync(dir, { recursive: true, force: true });
        continue;
      }
      const owner = parseOwner(await readSmallFile(path.join(dir, '.bsctl-resume.lock')).catch(() => undefined));
      if ((owner && ownerState(owner) !== 'dead') || Date.now() - fs.statSync(dir).mtimeMs < RESUME_KEEP_MS) continue;
      await removeByRename(dir);
      result.removed.push(dir);
      log(`removed ${dir}: --resume records unused for 7 days`);
    } catch (err) {
      log(`could not clean ${dir}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}
