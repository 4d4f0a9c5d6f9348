import { servingIndexRoot } from '../../serving/mirror.ts';
import { jsonLineOf } from '../../serving/json-lines.ts';
import { loadTable, storedDocument, type PartitionReader } from '../../serving/loader.ts';
import { writeLines } from '../../serving/write-lines.ts';
import type { IndexDumpArgs } from './command.ts';

function* documents(partition: PartitionReader): Generator<string> {
  for (let d = 0; d < partition.docCount; d++) yield jsonLineOf(storedDocument(partition, d));
}

/** Print every stored document of one partition, in docid order, as JSON lines. */
export async function indexDumpHandler(args: IndexDumpArgs): Promise<number> {
  const m = /^(?:partition_)?(\d+)_(\d+)$/.exec(args.partition);
  if (!m) throw new Error(`--partition ${args.partition}: expected FROM_TO, e.g. 0_32767`);
  const name = `partition_${Number(m[1])}_${Number(m[2])}`;
  const table = loadTable(await servingIndexRoot(args.table, args['index-root'], (l) => process.stderr.write(`${l}\n`)), args.table, args.generation !== undefined ? { generation: args.generation } : {});
  const partition = table.partitions.find((p) => p.name === name);
  if (!partition) throw new Error(`table ${args.table} generation ${table.generationId} has no ${name} (it has ${table.partitions.map((p) => p.name).join(', ')})`);
  await writeLines(process.stdout, documents(partition));
  return 0;
}
