import type { Argv, CommandModule } from 'yargs';
import type { CommandResult } from '../types.ts';

export interface GcArgs {
  dirs: string[];
  table?: string[];
  'index-root'?: string;
  'work-root'?: string;
}

/** `bsctl gc`: remove what killed runs left behind (staging, trash, work dirs), never a live run's. */
export function gcCommand(result: CommandResult): CommandModule<object, GcArgs> {
  return {
    command: 'gc [dirs..]',
    describe: 'remove staging and work dirs of runs that are gone (never those of a live run)',
    builder: (y: Argv) =>
      y
        .positional('dirs', { type: 'string', array: true, default: [] as string[], describe: 'output parent directories to clean (local or hdfs://)' })
        .option('table', { type: 'string', array: true, describe: 'also clean these tables\' directories under the index root' })
        .option('index-root', { type: 'string', describe: 'root of the full indexes (default: the table config\'s); without --table, every table in it' })
        .option('work-root', { type: 'string', describe: 'local work root of jobs (default $TMPDIR/bsctl-<uid>)' }) as unknown as Argv<GcArgs>,
    handler: async (args) => {
      const { gcHandler } = await import('./handler.ts');
      result.code = await gcHandler(args);
    },
  };
}
