import fs from 'node:fs';
import path from 'node:path';
import { checkTableName } from '../fs/names.ts';
import { removeByRename } from '../fs/remove.ts';
import { fileSystemFor, joinPath } from '../fs/resolve.ts';

/** `<index-root>/<table>/generation_<gid>/partition_<from>_<to>/` (havenask.md §5); the name is checked. */
export const tableDir = (indexRoot: string, table: string): string => path.join(indexRoot, checkTableName(table));
/** The same on any FileSystem (local paths or hdfs:// URIs). */
export const tableDirOn = (indexRoot: string, table: string): string => joinPath(indexRoot, checkTableName(table));
export const generationName = (gid: number): string => `generation_${gid}`;
export const partitionName = (from: number, to: number): string => `partition_${from}_${to}`;

const GENERATION = /^generation_(\d+)$/;
const PARTITION = /^partition_(\d+)_(\d+)$/;

/** The id of a `generation_<n>` directory name, or undefined for any other name. */
export function generationIdOf(name: string): number | undefined {
  const m = GENERATION.exec(name);
  return m ? Number(m[1]) : undefined;
}

/** Generation ids among directory names, ascending. */
function generationIds(names: readonly string[]): number[] {
  return names
    .map(generationIdOf)
    .filter((g): g is number => g !== undefined)
    .sort((a, b) => a - b);
}

/** Published generation ids of a table, ascending (only complete `generation_<n>` directories). */
export function listGenerations(indexRoot: string, table: string): number[] {
  const dir = tableDir(indexRoot, table);
  return fs.existsSync(dir) ? generationIds(fs.readdirSync(dir)) : [];
}

export interface PartitionInfo {
  readonly name: string;
  readonly dir: string;
  readonly from: number;
  readonly to: number;
  /** Highest published version.N, or undefined when the partition is not loadable. */
  readonly version: number | undefined;
}

/** Partitions of a generation and their published versions. */
export function listPartitions(generationDir: string): PartitionInfo[] {
  if (!fs.existsSync(generationDir)) return [];
  return fs
    .readdirSync(generationDir)
    .map((n) => PARTITION.exec(n))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => {
      const dir = path.join(generationDir, m[0]);
      const versions = fs
        .readdirSync(dir)
        .map((n) => /^version\.(\d+)$/.exec(n))
        .filter((v): v is RegExpExecArray => v !== null)
        .map((v) => Number(v[1]));
      return { name: m[0], dir, from: Number(m[1]), to: Number(m[2]), version: versions.length ? Math.max(...versions) : undefined };
    })
    .sort((a, b) => a.from - b.from);
}

// ---- The same questions through the FileSystem interface (local or hdfs:// index roots). ----

/** Generation ids under `<indexRoot>/<table>` on any FileSystem, ascending. */
export async function listGenerationsOn(indexRoot: string, table: string): Promise<number[]> {
  const dir = tableDirOn(indexRoot, table);
  const fsys = fileSystemFor(dir);
  if (!(await fsys.stat(dir))) return [];
  return generationIds((await fsys.list(dir)).map((s) => s.path.slice(s.path.lastIndexOf('/') + 1)));
}

export async function nextGenerationOn(indexRoot: string, table: string): Promise<number> {
  const gens = await listGenerationsOn(indexRoot, table);
  return gens.length ? gens[gens.length - 1]! + 1 : 0;
}

/**
 * Remove all but the newest `keep` generations on any FileSystem: each is first renamed out of the
 * layout (one atomic step: a loader sees the whole generation or none of it), then deleted. A run
 * killed in between leaves only a hidden `.generation_<n>.bsctl-trash-<tag>` that `bsctl gc` removes.
 */
export async function pruneGenerationsOn(indexRoot: string, table: string, keep = 2, tag = `${process.pid}`): Promise<number[]> {
  const gens = await listGenerationsOn(indexRoot, table);
  const drop = gens.slice(0, Math.max(0, gens.length - keep));
  const dir = tableDirOn(indexRoot, table);
  for (const g of drop) await removeByRename(joinPath(dir, generationName(g)), tag);
  return drop;
}

/** Partition directory names of a generation on any FileSystem. */
export async function partitionNamesOn(generationDir: string): Promise<string[]> {
  return (await fileSystemFor(generationDir).list(generationDir))
    .map((s) => s.path.slice(s.path.lastIndexOf('/') + 1))
    .filter((n) => PARTITION.test(n));
}
