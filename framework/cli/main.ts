import yargs from 'yargs';
import { jobsCommand } from './jobs/command.ts';
import { runCommand } from './run/command.ts';
import type { CommandResult } from './types.ts';

/** The bsctl command line; commands are listed explicitly. */
export function buildCli(argv: readonly string[], result: CommandResult) {
  return yargs([...argv])
    .scriptName('bsctl')
    .command(runCommand(result))
    .command(jobsCommand(result))
    .demandCommand(1, 'name a command (see --help)')
    .strict()
    .help()
    .alias('h', 'help')
    .version(false)
    .wrap(Math.min(110, process.stdout.columns || 110));
}

class UsageError extends Error {}

/** Run the CLI; resolves with the exit code. Errors become one clear line on stderr. */
export async function main(argv: readonly string[]): Promise<number> {
  const result: CommandResult = { code: 0 };
  try {
    await buildCli(argv, result)
      .fail((msg, err) => {
        throw err ?? new UsageError(msg);
      })
      .parseAsync();
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`bsctl: ${err.message}\n(see bsctl --help)\n`);
      return 2;
    }
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`bsctl: error: ${message}\n`);
    return 1;
  }
  return result.code;
}
