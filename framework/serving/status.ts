import { loadTable } from './loader.ts';
import { listGenerationInfos } from './generation.ts';

/** What `bsctl status` reports for a table (the shape of `hape gs table`). */
export interface TableStatus {
  readonly status: 'READY' | 'NOT_READY';
  /** READY only: the generation a searcher serves and its partitions. */
  readonly generationId?: number;
  readonly partitions?: readonly string[];
  /** NOT_READY with generations on disk: why none of them loads (not part of the printed JSON). */
  readonly reason?: string;
}

/**
 * READY when the newest published generation loads (every partition has a version.N, the ranges
 * cover 0..65535, every partition's version, segment and schema read back); NOT_READY otherwise.
 */
export function tableStatus(indexRoot: string, table: string): TableStatus {
  if (listGenerationInfos(indexRoot, table).length === 0) return { status: 'NOT_READY' };
  try {
    const t = loadTable(indexRoot, table);
    return { status: 'READY', generationId: t.generationId, partitions: t.partitions.map((p) => p.name) };
  } catch (err) {
    return { status: 'NOT_READY', reason: (err as Error).message };
  }
}
