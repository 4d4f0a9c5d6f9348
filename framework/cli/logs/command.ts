import type { Argv, CommandModule } from 'yargs';
import type { CommandResult } from '../types.ts';

export interface LogsArgs {
  job: string;
  task?: string;
  attempt?: string;
  all: boolean;
  'state-dir'?: string;
}

/** `bsctl logs JOB`: a job's attempt logs, a failed job's probable cause first (like mrjob's). */
export function logsCommand(result: CommandResult): CommandModule<object, LogsArgs> {
  return {
    command: 'logs <job>',
    describe: "a job's task attempt logs (stderr), a failed job's probable cause on the first line",
    builder: (y: Argv) =>
      y
        .positional('job', { type: 'string', demandOption: true, describe: 'the job id (see bsctl history)' })
        .option('task', { type: 'string', describe: 'only this task\'s attempts (task_..._m_000003)' })
        .option('attempt', { type: 'string', describe: 'only this attempt (attempt_..._m_000003_1)' })
        .option('all', { type: 'boolean', default: false, describe: 'every attempt\'s log (default: the failed and killed ones, or all when none failed)' })
        .option('state-dir', { type: 'string', describe: 'state dir holding history/ and the daemon\'s userlogs/ (default $BSCTL_SCHEDULER_DIR or $TMPDIR/bsctl-scheduler-<uid>)' }) as unknown as Argv<LogsArgs>,
    handler: async (args) => {
      const { logsHandler } = await import('./handler.ts');
      result.code = await logsHandler(args);
    },
  };
}
