import { absolutePath, fileSystemFor, joinPath } from '../../fs/resolve.ts';
import { TABLE_NAME } from '../../fs/names.ts';
import { tableDirOn } from '../../index/layout.ts';
import { indexRootOf } from '../../index/table-config.ts';
import { sweepStaleOutputs, sweepStaleWorkDirs, type SweepResult } from '../../output/stale.ts';
import { defaultWorkRoot } from '../../runner/driver.ts';
import type { GcArgs } from './command.ts';

/** The directories to sweep: those named, the tables' dirs, or every table dir under --index-root. */
async function targets(args: GcArgs): Promise<string[]> {
  const dirs = args.dirs.map(absolutePath);
  for (const t of args.table ?? []) dirs.push(tableDirOn(indexRootOf(t, args['index-root']), t));
  if (!args.table?.length && args['index-root']) {
    const root = absolutePath(args['index-root']);
    const fsys = fileSystemFor(root);
    if (await fsys.stat(root)) {
      for (const e of await fsys.list(root)) {
        const name = e.path.slice(e.path.lastIndexOf('/') + 1);
        if (e.isDirectory && TABLE_NAME.test(name)) dirs.push(joinPath(root, name));
      }
    }
  }
  return dirs;
}

export async function gcHandler(args: GcArgs): Promise<number> {
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  const results: SweepResult[] = [await sweepStaleWorkDirs(args['work-root'] ? absolutePath(args['work-root']) : defaultWorkRoot(), log)];
  for (const d of await targets(args)) results.push(await sweepStaleOutputs(d, log));
  const count = (k: keyof SweepResult): number => results.reduce((n, r) => n + r[k].length, 0);
  for (const r of results) for (const k of r.kept) log(`kept ${k}: its run is alive (or on another host)`);
  process.stdout.write(`gc: removed ${count('removed')}, restored ${count('restored')}, kept ${count('kept')}\n`);
  return 0;
}
