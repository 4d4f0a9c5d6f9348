import type { Argv, CommandModule } from 'yargs';
import type { CommandResult } from '../types.ts';

export interface SchedulerArgs {
  action: 'start' | 'stop' | 'status' | 'serve' | 'kill' | 'ui' | 'yarn-allocations';
  'slot-mb': number;
  job?: string;
  cluster?: string;
  allocations?: string;
  bind: string;
  port: number;
  'state-dir'?: string;
  'locality-delay': number;
  preemption: boolean;
  'preemption-interval': number;
  'reload-interval': number;
  json: boolean;
  url?: string;
  'token-file'?: string;
  'jobs-dir'?: string[];
  'assign-multiple'?: boolean;
  'size-based-weight'?: boolean;
  'mapred-site'?: string;
  ganglia?: string;
  'ganglia-period': number;
  'schedule-grace': string;
  'history-dir'?: string;
  'history-max-jobs'?: number;
  'history-max-days'?: number;
}

/** `bsctl scheduler start|stop|status|kill`: the scheduler daemon (the JobTracker role). */
export function schedulerCommand(result: CommandResult): CommandModule<object, SchedulerArgs> {
  return {
    command: 'scheduler <action> [job]',
    describe: 'run the cluster\'s scheduler daemon: start, stop, status, kill <job>, ui (a login link to its web UI); yarn-allocations prints the allocation file for YARN\'s FairScheduler',
    builder: (y: Argv) =>
      y
        .positional('action', { choices: ['start', 'stop', 'status', 'serve', 'kill', 'ui', 'yarn-allocations'] as const, describe: 'serve runs the daemon in the foreground (start runs it in the background); yarn-allocations prints --allocations translated for YARN (what cannot be carried over goes to stderr)' })
        .positional('job', { type: 'string', describe: 'the job id, for kill' })
        .option('cluster', { type: 'string', describe: 'cluster config (machines, slots, host keys); default $BSCTL_CLUSTER; without one the daemon has no machines and runs its schedules on this machine' })
        .option('allocations', { type: 'string', describe: 'MR1 allocation file (fair-scheduler.xml); default: the cluster config\'s "allocations"' })
        .option('bind', { type: 'string', default: '127.0.0.1', describe: 'address the HTTP page and job API listen on' })
        .option('port', { type: 'number', default: 50030, describe: 'HTTP port (0: any free port), like the JobTracker\'s 50030' })
        .option('state-dir', { type: 'string', describe: 'where daemon.json and scheduler.log live (default $BSCTL_SCHEDULER_DIR or $TMPDIR/bsctl-scheduler-<uid>)' })
        .option('token-file', { type: 'string', describe: 'use this secret (mode 600, ≥ 32 characters) as the daemon\'s token instead of a fresh one; required with a --bind beyond loopback' })
        .option('jobs-dir', { type: 'string', array: true, describe: 'a directory submitted job modules may come from (repeatable; the bundled jobs/ always may)' })
        .option('url', { type: 'string', describe: 'daemon address for status/stop/kill (default: from the state dir)' })
        .option('locality-delay', { type: 'number', default: 1000, describe: 'ms a job waits for a data-local map slot (delay scheduling)' })
        .option('preemption', { type: 'boolean', default: false, describe: 'let pools starved past their preemption timeouts kill other pools\' youngest tasks (off by default, as in Hadoop)' })
        .option('preemption-interval', { type: 'number', default: 15000, describe: 'ms between preemption checks' })
        .option('assign-multiple', { type: 'boolean', describe: "mapred.fairscheduler.assignmultiple: a scheduling round may fill several free slots of a machine (default true; --no-assign-multiple: one new task per machine a heartbeat, 1 s)" })
        .option('size-based-weight', { type: 'boolean', describe: 'mapred.fairscheduler.sizebasedweight: a job\'s weight in its pool grows with log2(1 + its tasks) (default false)' })
        .option('mapred-site', { type: 'string', describe: 'a Hadoop mapred-site.xml to read those two settings from (the flags win)' })
        .option('ganglia', { type: 'string', describe: 'also send the metrics to this gmond, HOST:PORT (gmetric 3.1 over UDP, like Hadoop\'s GangliaSink31)' })
        .option('schedule-grace', { type: 'string', default: '1h', describe: 'a schedule\'s run missed while the daemon was down is run at start-up when at most this late (30m, 1h, 2d; 0m: never)' })
        .option('history-dir', { type: 'string', describe: 'also keep job history there, a dir or hdfs://... (default $BSCTL_HISTORY_DIR; the state dir\'s history/ always)' })
        .option('history-max-jobs', { type: 'number', describe: 'history records kept (default $BSCTL_HISTORY_MAX_JOBS or 1000)' })
        .option('history-max-days', { type: 'number', describe: 'days history records are kept (default $BSCTL_HISTORY_MAX_DAYS or 30)' })
        .option('ganglia-period', { type: 'number', default: 10, describe: 'seconds between sends to --ganglia' })
        .option('reload-interval', { type: 'number', default: 10000, describe: 'ms between checks of the allocation file for changes' })
        .option('slot-mb', { type: 'number', default: 512, describe: 'yarn-allocations: MB of memory a map or reduce slot becomes (and one vcore)' })
        .option('json', { type: 'boolean', default: false, describe: 'status: print /scheduler.json' }) as unknown as Argv<SchedulerArgs>,
    handler: async (args) => {
      const { schedulerHandler } = await import('./handler.ts');
      result.code = await schedulerHandler(args);
    },
  };
}
