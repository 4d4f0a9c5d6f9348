import path from 'node:path';
import { generationName, listGenerations, listPartitions, tableDir, type PartitionInfo } from '../index/layout.ts';
import { HASH_ID_COUNT } from '../index/shard.ts';

/** What the serving tier sees of one `generation_<n>` directory. */
export interface GenerationInfo {
  readonly id: number;
  readonly dir: string;
  readonly partitions: readonly PartitionInfo[];
  /** Undefined when loadable; else why not (a partition without version.N, a range gap...). */
  readonly problem: string | undefined;
}

/** Why a generation's partitions are not a complete, published table, or undefined if they are. */
export function generationProblem(partitions: readonly PartitionInfo[]): string | undefined {
  if (partitions.length === 0) return 'no partitions';
  const unpublished = partitions.filter((p) => p.version === undefined).map((p) => p.name);
  if (unpublished.length) return `partition(s) without a published version.N: ${unpublished.join(', ')}`;
  let next = 0;
  for (const p of partitions) {
    if (p.from !== next) return p.from > next ? `hash ids ${next}..${p.from - 1} are in no partition` : `partition ${p.name} overlaps the one before it`;
    if (p.to < p.from) return `partition ${p.name} has an empty range`;
    next = p.to + 1;
  }
  if (next !== HASH_ID_COUNT) return `hash ids ${next}..${HASH_ID_COUNT - 1} are in no partition`;
  return undefined;
}

/** One generation's partitions and whether it can be loaded. */
export function inspectGeneration(indexRoot: string, table: string, id: number): GenerationInfo {
  const dir = path.join(tableDir(indexRoot, table), generationName(id));
  const partitions = listPartitions(dir);
  return { id, dir, partitions, problem: generationProblem(partitions) };
}

/** Every generation directory of a table, ascending id. */
export function listGenerationInfos(indexRoot: string, table: string): GenerationInfo[] {
  return listGenerations(indexRoot, table).map((id) => inspectGeneration(indexRoot, table, id));
}

/**
 * The generation a searcher serves: the newest whose partitions all have a published `version.N`
 * and together cover hash ids 0..65535; undefined when there is none.
 */
export function newestLoadableGeneration(indexRoot: string, table: string): GenerationInfo | undefined {
  const all = listGenerationInfos(indexRoot, table);
  for (let i = all.length - 1; i >= 0; i--) if (all[i]!.problem === undefined) return all[i];
  return undefined;
}
