import { listGenerationInfos, newestLoadableGeneration } from './generation.ts';
import { dirBytes, PartitionReader } from './partition.ts';

/** One partition directory as `bsctl index ls` lists it. */
export interface PartitionEntry {
  readonly name: string;
  readonly from: number;
  readonly to: number;
  /** Published version.N, or null when the partition has none. */
  readonly version: number | null;
  /** Documents (segment_info DocCount), or null when unreadable / unpublished. */
  readonly docCount: number | null;
  readonly bytes: number;
  /** Why the partition does not load, when it does not. */
  readonly problem?: string;
}

export interface GenerationEntry {
  readonly id: number;
  readonly dir: string;
  /** Whether this is the generation `bsctl query` / `status` serve. */
  readonly serving: boolean;
  readonly loadable: boolean;
  readonly problem?: string;
  readonly docCount: number;
  readonly bytes: number;
  readonly partitions: readonly PartitionEntry[];
}

export interface TableInventory {
  readonly table: string;
  readonly indexRoot: string;
  readonly servingGeneration: number | null;
  readonly generations: readonly GenerationEntry[];
}

/** Every generation of a table with its partitions, document counts and sizes. */
export function tableInventory(indexRoot: string, table: string): TableInventory {
  const serving = newestLoadableGeneration(indexRoot, table)?.id ?? null;
  const generations = listGenerationInfos(indexRoot, table).map((g): GenerationEntry => {
    const partitions = g.partitions.map((p): PartitionEntry => {
      const base = { name: p.name, from: p.from, to: p.to, version: p.version ?? null, bytes: dirBytes(p.dir) };
      if (p.version === undefined) return { ...base, docCount: null, problem: 'no published version.N' };
      try {
        return { ...base, docCount: new PartitionReader(p).docCount };
      } catch (err) {
        return { ...base, docCount: null, problem: (err as Error).message };
      }
    });
    const problem = g.problem ?? partitions.find((p) => p.problem)?.problem;
    return {
      id: g.id,
      dir: g.dir,
      serving: g.id === serving,
      loadable: problem === undefined,
      ...(problem !== undefined ? { problem } : {}),
      docCount: partitions.reduce((n, p) => n + (p.docCount ?? 0), 0),
      bytes: dirBytes(g.dir),
      partitions,
    };
  });
  return { table, indexRoot, servingGeneration: serving, generations };
}

/** The inventory as readable text lines. */
export function formatInventory(inv: TableInventory): string[] {
  const lines = [`table ${inv.table} under ${inv.indexRoot}: ${inv.generations.length} generation(s)${inv.servingGeneration === null ? ', none loadable' : `, serving generation_${inv.servingGeneration}`}`];
  for (const g of inv.generations) {
    const state = g.serving ? 'serving' : g.loadable ? 'loadable' : `NOT loadable: ${g.problem}`;
    lines.push(`generation_${g.id}  ${state}  ${g.partitions.length} partition(s)  ${g.docCount} docs  ${g.bytes} bytes`);
    const width = Math.max(0, ...g.partitions.map((p) => p.name.length));
    for (const p of g.partitions) {
      const version = p.version === null ? 'unpublished' : `version.${p.version}`;
      const docs = p.docCount === null ? '? docs' : `${p.docCount} docs`;
      lines.push(`  ${p.name.padEnd(width)}  ${version}  ${docs}  ${p.bytes} bytes${p.problem ? `  (${p.problem})` : ''}`);
    }
  }
  return lines;
}
