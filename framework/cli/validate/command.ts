import type { Argv, CommandModule } from 'yargs';
import type { CommandResult } from '../types.ts';

export interface ValidateArgs {
  table?: string[];
  'table-config'?: string;
  cluster?: string;
  allocations?: string;
  'min-free-gb': number;
  'state-dir'?: string;
}

/** `bsctl validate`: like `hape validate`, one OK/FAIL line per check of the configs, machines and HDFS. */
export function validateCommand(result: CommandResult): CommandModule<object, ValidateArgs> {
  return {
    command: 'validate',
    describe: 'check table configs and schemas, the allocation file, every machine (SSH, host key, Node, disk), HDFS and the schedules (like `hape validate`)',
    builder: (y: Argv) =>
      y
        .option('table', { type: 'string', array: true, describe: 'table to check (repeatable; default: every config/tables/*.json)' })
        .option('table-config', { type: 'string', describe: 'table config file to use instead of config/tables/<table>.json' })
        .option('cluster', { type: 'string', describe: 'cluster config (machines, slots, host keys); default $BSCTL_CLUSTER' })
        .option('allocations', { type: 'string', describe: 'MR1 allocation file (fair-scheduler.xml); default: the cluster config\'s' })
        .option('state-dir', { type: 'string', describe: 'the scheduler daemon\'s state dir, whose schedules are checked (default $BSCTL_SCHEDULER_DIR or $TMPDIR/bsctl-scheduler-<uid>)' })
        .option('min-free-gb', { type: 'number', default: 1, describe: 'least free disk (GiB) in each machine\'s workDir' })
        .check((a) => {
          const v = a['min-free-gb'];
          if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new Error(`--min-free-gb: must be a number ≥ 0 (got ${String(v)})`);
          return true;
        }) as unknown as Argv<ValidateArgs>,
    handler: async (args) => {
      const { validateHandler } = await import('./handler.ts');
      result.code = await validateHandler(args);
    },
  };
}
