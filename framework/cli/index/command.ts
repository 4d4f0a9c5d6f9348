import type { Argv, CommandModule } from 'yargs';
import type { CommandResult } from '../types.ts';

export interface IndexLsArgs {
  table: string;
  'index-root'?: string;
  json: boolean;
}

export interface IndexDumpArgs {
  table: string;
  'index-root'?: string;
  partition: string;
  generation?: number;
}

const tableOptions = (y: Argv): Argv =>
  y
    .option('table', { type: 'string', demandOption: true, describe: 'table name' })
    .option('index-root', { type: 'string', describe: 'root directory of the full indexes (default: the table config\'s, else ./index)' });

function lsCommand(result: CommandResult): CommandModule<object, IndexLsArgs> {
  return {
    command: 'ls',
    describe: 'list generations and partitions with document counts and sizes',
    builder: (y: Argv) => tableOptions(y).option('json', { type: 'boolean', default: false, describe: 'print one JSON object instead of text' }) as unknown as Argv<IndexLsArgs>,
    handler: async (args) => {
      const { indexLsHandler } = await import('./ls-handler.ts');
      result.code = await indexLsHandler(args);
    },
  };
}

function dumpCommand(result: CommandResult): CommandModule<object, IndexDumpArgs> {
  return {
    command: 'dump',
    describe: 'print the stored documents of one partition as JSON lines (attribute and summary fields)',
    builder: (y: Argv) =>
      tableOptions(y)
        .option('partition', { type: 'string', demandOption: true, describe: 'partition as FROM_TO (e.g. 0_32767) or partition_FROM_TO' })
        .option('generation', { type: 'number', describe: 'generation id (default: the newest published one)' }) as unknown as Argv<IndexDumpArgs>,
    handler: async (args) => {
      const { indexDumpHandler } = await import('./dump-handler.ts');
      result.code = await indexDumpHandler(args);
    },
  };
}

/** `bsctl index ls|dump`: inspect built full indexes. */
export function indexCommand(result: CommandResult): CommandModule {
  return {
    command: 'index',
    describe: 'inspect built full indexes (ls, dump)',
    builder: (y: Argv) => y.command(lsCommand(result)).command(dumpCommand(result)).demandCommand(1, 'name an index command: ls or dump'),
    handler: () => {},
  };
}
