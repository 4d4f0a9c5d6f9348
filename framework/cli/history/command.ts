import type { Argv, CommandModule } from 'yargs';
import type { CommandResult } from '../types.ts';

export interface HistoryArgs {
  action?: string;
  job?: string;
  table?: string;
  failed: boolean;
  since?: string;
  'state-dir'?: string;
  'history-dir'?: string;
  json: boolean;
}

/** `bsctl history [show JOB]`: the jobs and builds that ran, newest first (one record per job). */
export function historyCommand(result: CommandResult): CommandModule<object, HistoryArgs> {
  return {
    command: 'history [action] [job]',
    describe: 'jobs and builds that ran (bsctl run and the daemon), newest first; `history show JOB` for one',
    builder: (y: Argv) =>
      y
        .positional('action', { choices: ['show'] as const, describe: 'show: one job\'s record (its report, counters, bad records)' })
        .positional('job', { type: 'string', describe: 'the job id, for show' })
        .option('table', { type: 'string', describe: 'only full builds of this table' })
        .option('failed', { type: 'boolean', default: false, describe: 'only failed jobs' })
        .option('since', { type: 'string', describe: 'only jobs started within this long, e.g. 7d, 12h, 30m' })
        .option('state-dir', { type: 'string', describe: 'state dir holding history/ (default $BSCTL_SCHEDULER_DIR or $TMPDIR/bsctl-scheduler-<uid>)' })
        .option('history-dir', { type: 'string', describe: 'read the history kept there instead (a dir or hdfs://..., as $BSCTL_HISTORY_DIR names for runs and the daemon)' })
        .option('json', { type: 'boolean', default: false, describe: 'print the records as JSON' }) as unknown as Argv<HistoryArgs>,
    handler: async (args) => {
      const { historyHandler } = await import('./handler.ts');
      result.code = await historyHandler(args);
    },
  };
}
