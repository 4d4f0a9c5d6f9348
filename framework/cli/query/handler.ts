import { servingIndexRoot } from '../../serving/mirror.ts';
import { loadTable } from '../../serving/loader.ts';
import { queryJsonLines, tableOfSql } from '../../serving/sql.ts';
import { writeLines } from '../../serving/write-lines.ts';
import type { QueryArgs } from './command.ts';

/** Load the table, run the SQL, print one JSON object per row. Errors propagate (one line, exit 1). */
export async function queryHandler(args: QueryArgs): Promise<number> {
  const table = args.table ?? tableOfSql(args.sql);
  if (!table) throw new Error('query: name the table with --table or in the SQL FROM clause');
  const loaded = loadTable(await servingIndexRoot(table, args['index-root'], (l) => process.stderr.write(`${l}\n`)), table, args.generation !== undefined ? { generation: args.generation } : {});
  await writeLines(process.stdout, queryJsonLines(loaded, args.sql));
  return 0;
}
