import type { Argv, CommandModule } from 'yargs';
import type { CommandResult } from '../types.ts';

export interface FsArgs {
  action: 'ls' | 'cat' | 'put' | 'get' | 'rm' | 'mkdir' | 'stat';
  paths: string[];
  recursive: boolean;
  json: boolean;
}

export function fsBuilder(y: Argv): Argv<FsArgs> {
  return y
    .positional('action', { choices: ['ls', 'cat', 'put', 'get', 'rm', 'mkdir', 'stat'] as const, demandOption: true, describe: 'what to do' })
    .positional('paths', { type: 'string', array: true, default: [] as string[], describe: 'local paths or hdfs:// / webhdfs:// URIs' })
    .option('recursive', { alias: ['r', 'R'], type: 'boolean', default: false, describe: 'ls: recurse; rm: delete directories' })
    .option('json', { type: 'boolean', default: false, describe: 'ls/stat: JSON output' })
    .example('$0 fs ls hdfs:///data', 'list a directory')
    .example('$0 fs put local.ha3 hdfs:///data/in1/', 'upload a file (or a directory tree)')
    .example('$0 fs get hdfs:///out/wc out-wc', 'download a file or directory') as unknown as Argv<FsArgs>;
}

export function fsCommand(result: CommandResult): CommandModule<object, FsArgs> {
  return {
    command: 'fs <action> [paths..]',
    describe: 'file commands like `hadoop fs` (ls, cat, put, get, rm, mkdir, stat) on local and HDFS paths',
    builder: fsBuilder,
    handler: async (args) => {
      const { fsHandler } = await import('./handler.ts');
      result.code = await fsHandler(args);
    },
  };
}
