import os from 'node:os';
import { RUN_DEFAULTS } from './resolve.ts';
import type { Argv, CommandModule, Options } from 'yargs';
import type { JobCli } from '../../job/cli.ts';
import type { CommandResult } from '../types.ts';

/** At most this many local workers are started ahead of the job (more are started when needed). */
const MAX_PRESTARTED = 16;

export interface RunArgs {
  job: string;
  input?: string[];
  output?: string;
  reducers?: number;
  runner: 'inline' | 'local' | 'cluster' | 'yarn';
  cluster?: string;
  pool?: string;
  scheduler?: string;
  priority?: number;
  workers?: number;
  'split-size'?: string;
  'sort-mb': number;
  overwrite: boolean;
  'force-overwrite': boolean;
  resume: boolean;
  'max-bad-records'?: number;
  'task-timeout': number;
  speculative: boolean;
  conf: string[];
  side: string[];
  'report-json'?: string;
  [jobFlag: string]: unknown;
}

/** Options of `bsctl run`; a job with its own flags (`jobCli`) makes --input/--output optional. */
export function runBuilder(y: Argv, jobCli?: JobCli): Argv<RunArgs> {
  let b = y
    .positional('job', { type: 'string', demandOption: true, describe: 'a job name from jobs/ (see `bsctl jobs`) or a path to your own .ts/.js job module' })
    .option('input', { alias: 'i', type: 'string', array: true, demandOption: !jobCli, describe: 'input file, directory or glob (repeatable)' })
    .option('output', { alias: 'o', type: 'string', demandOption: !jobCli, describe: 'output directory (must not exist unless --overwrite)' })
    .option('reducers', { type: 'number', describe: 'reduce tasks per step (default: the job\'s plan, e.g. a full build\'s partitions, else the step\'s own, else 2)' })
    .option('runner', { choices: ['inline', 'local', 'cluster', 'yarn'] as const, default: 'local' as const, describe: 'where tasks run: in this process, local worker processes, SSH machines (--cluster), or a YARN cluster through Hadoop Streaming ($BSCTL_YARN_WEB, $BSCTL_HADOOP_CLASSPATH)' })
    .option('cluster', { type: 'string', describe: 'cluster config (machines, slots, host keys) for --runner cluster; default $BSCTL_CLUSTER' })
    .option('pool', { type: 'string', describe: 'fair-scheduler pool for --runner cluster (default: your user name, as in Hadoop), or the YARN queue for --runner yarn (default: default)' })
    .option('scheduler', { type: 'string', describe: 'scheduler daemon address for --runner cluster (default $BSCTL_SCHEDULER, the cluster config\'s, or a local daemon); without one a private scheduler runs the job' })
    .option('priority', { type: 'number', describe: 'job priority within its pool (higher first; FIFO pools and waiting jobs)' })
    .option('workers', { type: 'number', describe: 'worker processes of the local runner (default: number of cores)' })
    .option('split-size', { type: 'string', describe: 'split size, e.g. 64m (default: the block size, 64m on local disk)' })
    .option('sort-mb', { type: 'number', default: RUN_DEFAULTS.sortMb, describe: 'map-side sort / aggregation buffer per task, MiB' })
    .option('overwrite', { type: 'boolean', default: false, describe: 'replace an existing output directory that is a previous bsctl output (only once the job succeeds)' })
    .option('force-overwrite', { type: 'boolean', default: false, describe: 'with --overwrite: replace the output even if it does not look like a bsctl output (never /, home, the current directory, or an input)' })
    .option('resume', { type: 'boolean', default: false, describe: 'reuse the map outputs an earlier --resume run of this job (killed or failed) finished, if its code and input are unchanged; record this run\'s' })
    .option('task-timeout', { type: 'number', default: RUN_DEFAULTS.taskTimeoutS, describe: 'seconds an attempt may report no progress before it is killed and retried' })
    .option('speculative', { type: 'boolean', default: true, describe: 'speculative execution: a straggling task (60 s in, progress 20% behind) gets a second attempt; --no-speculative turns it off' })
    .option('max-bad-records', { type: 'number', describe: `bad input records tolerated before the job fails (default: the table config's, else ${RUN_DEFAULTS.maxBadRecords})` })
    .option('report-json', { type: 'string', describe: 'also write the job report (counters, times, peak RSS) as JSON to this file' })
    .option('conf', { type: 'string', array: true, default: [] as string[], describe: 'job configuration key=value (repeatable)' })
    .option('side', { type: 'string', array: true, default: [] as string[], describe: "a join side's input, NAME=PATH[,PATH...] (repeatable; default: the side's own paths)" }) as Argv;
  for (const [name, o] of Object.entries(jobCli?.options ?? {})) {
    const spec: Options = { type: o.type, describe: o.describe, group: 'Job options:' };
    if (o.array) spec.array = true;
    if (o.default !== undefined) spec.default = o.default;
    b = b.option(name, spec);
  }
  return b as unknown as Argv<RunArgs>;
}

export function runCommand(result: CommandResult, jobCli?: JobCli): CommandModule<object, RunArgs> {
  return {
    command: 'run <job>',
    describe: 'run a job (word-count, full-build, your own module, ...)',
    builder: (y) => runBuilder(y, jobCli),
    handler: async (args) => {
      // Local workers start while this process loads the rest (their start-up and ours overlap).
      const workers = args.workers ?? os.availableParallelism();
      const ahead = args.runner === 'local' && Number.isSafeInteger(workers) && workers >= 1 && workers <= MAX_PRESTARTED;
      const pool = ahead ? await import('../../runner/worker-process.ts') : undefined;
      pool?.prestartLocalWorkers(workers);
      try {
        const { runHandler } = await import('./handler.ts');
        result.code = await runHandler(args);
      } finally {
        pool?.releasePrestartedWorkers();
      }
    },
  };
}
