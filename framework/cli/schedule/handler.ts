import path from 'node:path';
import yargs from 'yargs';
import { loadJob } from '../../task/load-job.ts';
import { defaultStateDir, isUp, readDaemonInfo } from '../../scheduler/client.ts';
import { ScheduleClient } from '../../scheduler/schedule-client.ts';
import { cronOf } from '../../scheduler/schedules.ts';
import { checkSimpleName } from '../../fs/names.ts';
import { resolveJobModule } from '../jobs-dir.ts';
import { runCommand } from '../run/command.ts';
import type { ScheduleArgs } from './command.ts';
import { formatRuns, formatSchedules } from './format.ts';

async function client(args: ScheduleArgs): Promise<ScheduleClient> {
  const stateDir = path.resolve(args['state-dir'] ?? defaultStateDir());
  const url = args.url ?? readDaemonInfo(stateDir)?.url;
  if (!url || !(await isUp(url))) throw new Error(`no scheduler daemon is running (${url ? `nothing answers at ${url}` : `no ${path.join(stateDir, 'daemon.json')}`}); schedules live in the daemon: \`bsctl scheduler start [--cluster FILE]\``);
  return new ScheduleClient(url.replace(/\/+$/, ''), stateDir);
}

/** Check `run ...` as `bsctl run` would parse it (unknown flags, a missing --table), without running it. */
async function checkRunArgs(args: readonly string[]): Promise<void> {
  if (args[0] !== 'run' || !args[1] || args[1].startsWith('-')) throw new Error(`schedule add: the command after -- must be a job run, like \`-- run full-build --table in1\` (got \`${args.join(' ') || 'nothing'}\`)`);
  const job = await loadJob(resolveJobModule(args[1]));
  const result = { code: 0 };
  await yargs([...args])
    .command({ ...runCommand(result, job.cli), handler: () => {} })
    .strict()
    .fail((msg, err) => {
      throw new Error(`schedule add: the command \`bsctl ${args.join(' ')}\`: ${err?.message ?? msg}`);
    })
    .parseAsync();
}

export async function scheduleHandler(args: ScheduleArgs): Promise<number> {
  const name = (): string => {
    if (!args.name) throw new Error(`schedule ${args.action}: name the schedule (see bsctl schedule ls)`);
    return checkSimpleName(args.name, `schedule ${args.action}: NAME`);
  };
  switch (args.action) {
    case 'add': {
      const n = name();
      if (!args.cron) throw new Error('schedule add: --cron is required, e.g. --cron "0 2 * * *"');
      cronOf(args.cron, args.tz);
      const command = (args['--'] ?? []).map(String);
      await checkRunArgs(command);
      const view = await (await client(args)).add({ name: n, cron: args.cron, ...(args.tz ? { tz: args.tz } : {}), ...(args.pool ? { pool: args.pool } : {}), args: command, cwd: process.cwd() });
      process.stdout.write(`schedule ${view.name} added: ${view.cron}${view.tz ? ` (${view.tz})` : ''}; next run ${view.nextRun ? new Date(view.nextRun).toISOString() : 'never'}\n`);
      return 0;
    }
    case 'ls': {
      const list = await (await client(args)).list();
      process.stdout.write(args.json ? `${JSON.stringify(list, null, 2)}\n` : formatSchedules(list));
      return 0;
    }
    case 'runs': {
      const runs = await (await client(args)).runs(name());
      process.stdout.write(args.json ? `${JSON.stringify(runs, null, 2)}\n` : formatRuns(runs));
      return 0;
    }
    case 'rm':
    case 'pause':
    case 'resume':
    case 'run-now': {
      const n = name();
      await (await client(args)).act(n, args.action === 'rm' ? 'remove' : args.action);
      const did = { rm: 'removed', pause: 'paused', resume: 'resumed', 'run-now': 'started (see bsctl schedule runs)' }[args.action];
      process.stdout.write(`schedule ${n} ${did}\n`);
      return 0;
    }
  }
}
