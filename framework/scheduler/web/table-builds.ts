import path from 'node:path';
import { listGenerationInfos } from '../../serving/generation.ts';
import type { JobHistory } from '../history.ts';

/** What is on disk of a table: its generations and the one a searcher would serve (READY). */
export type OnDisk =
  | { readonly kind: 'local'; readonly generations: readonly number[]; readonly ready: number | undefined; readonly problem: string | undefined }
  | { readonly kind: 'remote' }
  | { readonly kind: 'error'; readonly message: string };

/** A table seen in history's full builds, under one index root. */
export interface TableBuilds {
  readonly table: string;
  readonly indexRoot: string;
  readonly builds: number;
  readonly failedBuilds: number;
  readonly lastBuild: JobHistory;
  /** The newest build that published a generation (history's word). */
  readonly lastPublished: JobHistory | undefined;
  readonly onDisk: OnDisk;
}

/** `<index root>/<table>/generation_<n>` → the index root, or undefined for another shape. */
function indexRootOf(r: JobHistory): string | undefined {
  if (!r.table || !/^generation_\d+$/.test(path.posix.basename(r.output))) return undefined;
  const tableDir = path.posix.dirname(r.output);
  return path.posix.basename(tableDir) === r.table ? path.posix.dirname(tableDir) : undefined;
}

function onDisk(indexRoot: string, table: string): OnDisk {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(indexRoot)) return { kind: 'remote' };
  try {
    const gens = listGenerationInfos(indexRoot, table);
    const ready = [...gens].reverse().find((g) => g.problem === undefined);
    const newest = gens.at(-1);
    return { kind: 'local', generations: gens.map((g) => g.id), ready: ready?.id, problem: newest && newest !== ready ? `generation ${newest.id}: ${newest.problem}` : undefined };
  } catch (err) {
    return { kind: 'error', message: (err as Error).message };
  }
}

/** Every table of history's full builds (records newest first), with what is READY on disk now. */
export function tableBuilds(records: readonly JobHistory[]): TableBuilds[] {
  const groups = new Map<string, JobHistory[]>();
  for (const r of records) {
    const root = indexRootOf(r);
    if (root === undefined) continue;
    const k = JSON.stringify([r.table, root]);
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  return [...groups.entries()]
    .map(([k, rs]) => {
      const [table, indexRoot] = JSON.parse(k) as [string, string];
      return {
        table,
        indexRoot,
        builds: rs.length,
        failedBuilds: rs.filter((r) => r.status === 'failed').length,
        lastBuild: rs[0]!,
        lastPublished: rs.find((r) => r.generation !== undefined),
        onDisk: onDisk(indexRoot, table),
      };
    })
    .sort((a, b) => (a.table < b.table ? -1 : a.table > b.table ? 1 : a.indexRoot < b.indexRoot ? -1 : 1));
}
