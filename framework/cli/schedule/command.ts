import type { Argv, CommandModule } from 'yargs';
import type { CommandResult } from '../types.ts';

export interface ScheduleArgs {
  action: 'add' | 'ls' | 'rm' | 'pause' | 'resume' | 'run-now' | 'runs';
  name?: string;
  cron?: string;
  tz?: string;
  pool?: string;
  'state-dir'?: string;
  url?: string;
  json: boolean;
  /** The command after `--` (add). */
  '--'?: (string | number)[];
}

/** `bsctl schedule add|ls|rm|pause|resume|run-now|runs`: the scheduler daemon's cron schedules. */
export function scheduleCommand(result: CommandResult): CommandModule<object, ScheduleArgs> {
  return {
    command: 'schedule <action> [name]',
    describe: 'scheduled runs in the scheduler daemon: add NAME --cron EXPR [--tz TZ] -- run ..., ls, rm, pause, resume, run-now, runs NAME',
    builder: (y: Argv) =>
      y
        .parserConfiguration({ 'populate--': true })
        .positional('action', { choices: ['add', 'ls', 'rm', 'pause', 'resume', 'run-now', 'runs'] as const })
        .positional('name', { type: 'string', describe: 'the schedule (letters, digits, _ . -)' })
        .option('cron', { type: 'string', describe: 'add: when, as cron: minute hour day-of-month month day-of-week (or 6 fields, seconds first), e.g. "0 2 * * *"' })
        .option('tz', { type: 'string', describe: 'add: the time zone the cron expression is read in, e.g. Asia/Shanghai (default: the daemon\'s)' })
        .option('pool', { type: 'string', describe: 'add: the fair-scheduler pool its jobs go to (default: the daemon\'s user)' })
        .option('state-dir', { type: 'string', describe: 'the daemon\'s state dir (default $BSCTL_SCHEDULER_DIR or $TMPDIR/bsctl-scheduler-<uid>)' })
        .option('url', { type: 'string', describe: 'daemon address (default: from the state dir)' })
        .option('json', { type: 'boolean', default: false, describe: 'ls, runs: print JSON' })
        .example('$0 schedule add nightly-in1 --cron "0 2 * * *" --tz Asia/Shanghai -- run full-build --table in1', 'the nightly full build of in1 at 02:00 Beijing time') as unknown as Argv<ScheduleArgs>,
    handler: async (args) => {
      const { scheduleHandler } = await import('./handler.ts');
      result.code = await scheduleHandler(args);
    },
  };
}
