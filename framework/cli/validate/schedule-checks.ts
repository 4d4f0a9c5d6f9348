import fs from 'node:fs';
import { isUp, readDaemonInfo } from '../../scheduler/client.ts';
import { ScheduleStore } from '../../scheduler/schedule-store.ts';
import { cronOf } from '../../scheduler/schedules.ts';
import { checkRunArgs } from '../schedule/check-run.ts';
import { attempt, errorText, fail, pass, type Check } from './check.ts';

/**
 * The daemon's schedules (its state dir's schedules.json): each one's cron expression and time zone,
 * its directory, its command as `bsctl run` would parse it; and a daemon running them.
 */
export async function scheduleChecks(stateDir: string): Promise<Check[]> {
  const store = new ScheduleStore(stateDir);
  let specs;
  try {
    specs = store.loadSpecs();
  } catch (err) {
    return [fail('schedules', errorText(err), `fix or remove ${store.file}`)];
  }
  if (specs.length === 0) return [pass('schedules', `none in ${stateDir}`)];
  const out: Check[] = [];
  const info = readDaemonInfo(stateDir);
  const up = info ? await isUp(info.url) : false;
  out.push(up ? pass('schedules', `${specs.length} schedule(s), run by the daemon at ${info!.url}`) : fail('schedules', `${specs.length} schedule(s) in ${stateDir} but no scheduler daemon runs them`, 'start it: bsctl scheduler start [--cluster FILE]'));
  for (const s of specs) {
    out.push(
      await attempt(`schedule ${s.name}`, `change it: bsctl schedule rm ${s.name}, then add it again`, async () => {
        const cron = cronOf(s.cron, s.tz);
        if (!fs.statSync(s.cwd, { throwIfNoEntry: false })?.isDirectory()) throw new Error(`its directory ${s.cwd} is gone`);
        await checkRunArgs(s.args, s.cwd);
        const next = s.paused ? 'paused' : `next run ${cron.nextRun()?.toISOString() ?? 'never'}`;
        return `${s.cron}${s.tz ? ` (${s.tz})` : ''}, ${next}: bsctl ${s.args.join(' ')}`;
      }),
    );
  }
  return out;
}
