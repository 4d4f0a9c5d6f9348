import type { Argv, CommandModule } from 'yargs';
import type { CommandResult } from '../types.ts';

export interface QueryArgs {
  sql: string;
  table?: string;
  'index-root'?: string;
  generation?: number;
}

/** `bsctl query [--table T] [--index-root DIR] "<sql>"`: SQL over a built full index, JSON lines out. */
export function queryCommand(result: CommandResult): CommandModule<object, QueryArgs> {
  return {
    command: 'query <sql>',
    describe: 'answer a SQL query from the newest published full index of a table (JSON lines)',
    builder: (y: Argv) =>
      y
        .positional('sql', { type: 'string', demandOption: true, describe: 'one SELECT over <table> (attributes) and/or <table>_summary_ (summary)' })
        .option('table', { type: 'string', describe: 'table to load (default: the table the SQL names)' })
        .option('index-root', { type: 'string', describe: 'root directory of the full indexes (default: the table config\'s, else ./index)' })
        .option('generation', { type: 'number', describe: 'query this generation instead of the newest published one' }) as unknown as Argv<QueryArgs>,
    handler: async (args) => {
      const { queryHandler } = await import('./handler.ts');
      result.code = await queryHandler(args);
    },
  };
}
