import fs from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import { checkSimpleName } from '../fs/names.ts';
import { HttpError, parseJsonBody, readBody, send } from './http-util.ts';
import { allowedJobModule } from './job-dirs.ts';
import { ScheduleError, type Schedules } from './schedules.ts';
import { setsFlag } from './schedule-run.ts';
import type { ScheduleSpec } from './schedule-types.ts';

/** What `bsctl schedule add` sends (POST /schedules). */
export type ScheduleAddRequest = Omit<ScheduleSpec, 'createdAt' | 'paused'>;

const MAX_ARG = 4096;

/**
 * A schedule to add, checked before anything runs: a simple name, a pool name, a `run` command whose job
 * is one the daemon may run (a bundled job's name, or a module in its job dirs), an existing directory.
 */
export function parseScheduleAdd(body: string, jobDirs: readonly string[]): ScheduleAddRequest {
  const r = parseJsonBody(body, 'schedule add');
  const bad = (key: string, what: string): never => {
    throw new HttpError(400, `schedule add: ${key}: ${what}`);
  };
  const name = typeof r.name === 'string' ? r.name : bad('NAME', 'missing');
  const cron = typeof r.cron === 'string' && r.cron.length <= 200 ? r.cron : bad('--cron', 'missing (e.g. --cron "0 2 * * *")');
  const tz = r.tz === undefined ? undefined : typeof r.tz === 'string' ? r.tz : bad('--tz', 'must be a time zone name');
  const pool = r.pool === undefined ? undefined : typeof r.pool === 'string' ? r.pool : bad('--pool', 'must be a pool name');
  const args = Array.isArray(r.args) && r.args.every((a) => typeof a === 'string' && a.length <= MAX_ARG && !a.includes('\0')) ? (r.args as string[]) : bad('the command', 'must be a list of arguments');
  const cwd = typeof r.cwd === 'string' && path.isAbsolute(r.cwd) ? r.cwd : bad('cwd', 'must be an absolute directory');
  try {
    checkSimpleName(name, 'schedule add: NAME');
    if (pool !== undefined) checkSimpleName(pool, 'schedule add: --pool');
  } catch (err) {
    throw new HttpError(400, (err as Error).message);
  }
  if (args[0] !== 'run' || !args[1] || args[1].startsWith('-')) bad('the command', `must be a job run, like \`-- run full-build --table in1\` (got \`${args.join(' ')}\`)`);
  if (!fs.statSync(cwd, { throwIfNoEntry: false })?.isDirectory()) bad('cwd', `${cwd} is not a directory`);
  // The job as the run's `bsctl run` will resolve it: a bundled job's name (the first job dir, jobs/),
  // else a path from the run's directory, whose real path must lie in a job dir. A path is stored real.
  const job = args[1]!;
  const bundled = !job.includes('/') && ['.ts', '.js', '.mts', '.mjs'].some((x) => fs.existsSync(path.join(jobDirs[0]!, `${job}${x}`)));
  const command = bundled ? args : [args[0]!, allowedJobModule(path.resolve(cwd, job), jobDirs, 'schedule add: the job'), ...args.slice(2)];
  if (pool !== undefined && setsFlag(args, 'pool')) bad('--pool', 'given both to schedule add and in the command; give it once');
  return { name, cron, ...(tz !== undefined ? { tz } : {}), ...(pool !== undefined ? { pool } : {}), args: command, cwd };
}

/**
 * The daemon's schedule API (all need its token): GET /schedules, POST /schedules (add), GET
 * /schedules/NAME/runs, POST /schedules/NAME/(remove|pause|resume|run-now). Returns false for other routes.
 */
export async function scheduleRoutes(route: string, req: http.IncomingMessage, res: http.ServerResponse, schedules: Schedules, jobDirs: readonly string[]): Promise<boolean> {
  try {
    if (route === 'GET /schedules') return send(res, 200, { schedules: schedules.list() }), true;
    if (route === 'POST /schedules') return send(res, 201, schedules.add(parseScheduleAdd(await readBody(req), jobDirs))), true;
    const runs = /^GET \/schedules\/([^/]+)\/runs$/.exec(route);
    if (runs) return send(res, 200, { runs: schedules.runs(decodeURIComponent(runs[1]!)) }), true;
    const action = /^POST \/schedules\/([^/]+)\/(remove|pause|resume|run-now)$/.exec(route);
    if (!action) return false;
    const name = decodeURIComponent(action[1]!);
    if (action[2] === 'remove') {
      schedules.remove(name);
      send(res, 200, { removed: name });
    } else if (action[2] === 'run-now') send(res, 202, schedules.runNow(name));
    else send(res, 200, schedules.pause(name, action[2] === 'pause'));
    return true;
  } catch (err) {
    if (err instanceof ScheduleError) throw new HttpError(err.status, err.message);
    if (err instanceof HttpError) throw err;
    throw new HttpError(400, (err as Error).message);
  }
}
