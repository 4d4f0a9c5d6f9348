import path from 'node:path';
import { defaultStateDir, isUp, readDaemonInfo } from '../../scheduler/client.ts';
import { ScheduleClient } from '../../scheduler/schedule-client.ts';
import { cronOf } from '../../scheduler/schedules.ts';
import { checkSimpleName } from '../../fs/names.ts';
import { checkRunArgs } from './check-run.ts';
import type { ScheduleArgs } from './command.ts';
import { formatRuns, formatSchedules } from './format.ts';
import type { ScheduleRun } from '../../scheduler/schedule-types.ts';

async function client(args: ScheduleArgs): Promise<ScheduleClient> {
  const stateDir = path.resolve(args['state-dir'] ?? defaultStateDir());
  const url = args.url ?? readDaemonInfo(stateDir)?.url;
  if (!url || !(await isUp(url))) throw new Error(`no scheduler daemon is running (${url ? `nothing answers at ${url}` : `no ${path.join(stateDir, 'daemon.json')}`}); schedules live in the daemon: \`bsctl scheduler start [--cluster FILE]\``);
  return new ScheduleClient(url.replace(/\/+$/, ''), stateDir);
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
    case 'run-now': {
      const n = name();
      const run = (await (await client(args)).act(n, 'run-now')) as ScheduleRun;
      if (run.outcome === 'skipped' || run.outcome === 'failed') {
        process.stderr.write(`bsctl: schedule ${n}: ${run.runId} ${run.outcome}: ${run.reason}\n`);
        return 1;
      }
      process.stdout.write(`schedule ${n}: ${run.runId} started (log ${run.log}; see bsctl schedule runs ${n})\n`);
      return 0;
    }
    case 'rm':
    case 'pause':
    case 'resume': {
      const n = name();
      await (await client(args)).act(n, args.action === 'rm' ? 'remove' : args.action);
      process.stdout.write(`schedule ${n} ${{ rm: 'removed', pause: 'paused', resume: 'resumed' }[args.action]}\n`);
      return 0;
    }
  }
}
