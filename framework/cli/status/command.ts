import type { Argv, CommandModule } from 'yargs';
import type { CommandResult } from '../types.ts';

export interface StatusArgs {
  table: string;
  'index-root'?: string;
}

/** `bsctl status --table T`: like `hape gs table`, READY with the served generation or NOT_READY. */
export function statusCommand(result: CommandResult): CommandModule<object, StatusArgs> {
  return {
    command: 'status',
    describe: 'show whether a table has a loadable full index (like `hape gs table`)',
    builder: (y: Argv) =>
      y
        .option('table', { type: 'string', demandOption: true, describe: 'table name' })
        .option('index-root', { type: 'string', describe: 'root directory of the full indexes (default: the table config\'s, else ./index)' }) as unknown as Argv<StatusArgs>,
    handler: async (args) => {
      const { statusHandler } = await import('./handler.ts');
      result.code = await statusHandler(args);
    },
  };
}
