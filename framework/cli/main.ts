import yargs from 'yargs';
import type { JobCli } from '../job/cli.ts';
import { loadJob } from '../task/load-job.ts';
import { resolveJobModule } from './jobs-dir.ts';
import { indexCommand } from './index/command.ts';
import { jobsCommand } from './jobs/command.ts';
import { queryCommand } from './query/command.ts';
import { runCommand } from './run/command.ts';
import { statusCommand } from './status/command.ts';
import type { CommandResult } from './types.ts';

/** The bsctl command line; commands are listed explicitly. */
export function buildCli(argv: readonly string[], result: CommandResult, jobCli?: JobCli) {
  return yargs([...argv])
    .scriptName('bsctl')
    .command(runCommand(result, jobCli))
    .command(jobsCommand(result))
    .command(queryCommand(result))
    .command(statusCommand(result))
    .command(indexCommand(result))
    .demandCommand(1, 'name a command (see --help)')
    .strict()
    .help()
    .alias('h', 'help')
    .version(false)
    .wrap(Math.min(110, process.stdout.columns || 110));
}

class UsageError extends Error {}

/** For `bsctl run <job>`: the job's own flags, so strict parsing and --help know them. */
async function jobCliFor(argv: readonly string[]): Promise<JobCli | undefined> {
  if (argv[0] !== 'run' || !argv[1] || argv[1].startsWith('-')) return undefined;
  try {
    return (await loadJob(resolveJobModule(argv[1]))).cli;
  } catch {
    return undefined; // the run handler reports an unknown or broken job
  }
}

/** Run the CLI; resolves with the exit code. Errors become one clear line on stderr. */
export async function main(argv: readonly string[]): Promise<number> {
  const result: CommandResult = { code: 0 };
  try {
    await buildCli(argv, result, await jobCliFor(argv))
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
