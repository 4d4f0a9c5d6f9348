import yargs from 'yargs';
import type { JobCli } from '../job/cli.ts';
import { loadJob } from '../task/load-job.ts';
import { resolveJobModule } from './jobs-dir.ts';
import { fsCommand } from './fs/command.ts';
import { gcCommand } from './gc/command.ts';
import { indexCommand } from './index/command.ts';
import { HDFS_USER_ENV, NAMENODE_ENV } from '../fs/webhdfs/config.ts';
import { jobsCommand } from './jobs/command.ts';
import { queryCommand } from './query/command.ts';
import { runCommand } from './run/command.ts';
import { schedulerCommand } from './scheduler/command.ts';
import { statusCommand } from './status/command.ts';
import { validateCommand } from './validate/command.ts';
import { historyCommand } from './history/command.ts';
import { scheduleCommand } from './schedule/command.ts';
import { logsCommand } from './logs/command.ts';
import type { CommandResult } from './types.ts';

/** The bsctl command line; commands are listed explicitly. */
export function buildCli(argv: readonly string[], result: CommandResult, jobCli?: JobCli) {
  return yargs([...argv])
    .scriptName('bsctl')
    .command(runCommand(result, jobCli))
    .command(schedulerCommand(result))
    .command(jobsCommand(result))
    .command(queryCommand(result))
    .command(statusCommand(result))
    .command(indexCommand(result))
    .command(fsCommand(result))
    .command(gcCommand(result))
    .command(validateCommand(result))
    .command(historyCommand(result))
    .command(scheduleCommand(result))
    .command(logsCommand(result))
    .option('namenode', { type: 'string', global: true, describe: `NameNode HTTP address for hdfs:// paths, e.g. http://host:9870 (default: $${NAMENODE_ENV})` })
    .option('hdfs-user', { type: 'string', global: true, describe: `HDFS user to act as (default: $${HDFS_USER_ENV})` })
    .middleware((args) => {
      // Set for this process and every worker it starts.
      if (typeof args.namenode === 'string') process.env[NAMENODE_ENV] = args.namenode;
      if (typeof args['hdfs-user'] === 'string') process.env[HDFS_USER_ENV] = args['hdfs-user'];
    })
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
