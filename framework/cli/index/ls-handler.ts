import { servingIndexRoot } from '../../serving/mirror.ts';
import { formatInventory, tableInventory } from '../../serving/inventory.ts';
import type { IndexLsArgs } from './command.ts';

/** Print a table's generations and partitions (text, or JSON with --json). */
export async function indexLsHandler(args: IndexLsArgs): Promise<number> {
  const inv = tableInventory(await servingIndexRoot(args.table, args['index-root'], (l) => process.stderr.write(`${l}\n`)), args.table);
  process.stdout.write(args.json ? `${JSON.stringify(inv)}\n` : `${formatInventory(inv).join('\n')}\n`);
  return 0;
}
