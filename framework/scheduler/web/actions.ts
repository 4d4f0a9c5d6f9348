import type http from 'node:http';
import { checkSimpleName } from '../../fs/names.ts';
import { sendJson } from './respond.ts';
import type { WebContext } from './routes.ts';

const KILL = /^\/ui\/jobs\/([\w-]+)\/kill$/;
const SCHEDULE = /^\/ui\/schedules\/([^/]+)\/(run-now|pause|resume)$/;

/**
 * The UI's actions (POST, already authenticated and CSRF-checked by the caller): kill a job; run a
 * schedule now, pause or resume it. Answers JSON `{ message }` or `{ error }`.
 */
export async function runAction(ctx: WebContext, res: http.ServerResponse, pathname: string): Promise<void> {
  const kill = KILL.exec(pathname);
  if (kill) {
    const id = kill[1]!;
    return ctx.kill(id) ? sendJson(res, 200, { message: `killing ${id}` }) : sendJson(res, 404, { error: `no running job ${id}` });
  }
  const s = SCHEDULE.exec(pathname);
  if (s) {
    let name: string;
    try {
      name = checkSimpleName(decodeURIComponent(s[1]!), 'schedule');
    } catch (err) {
      return sendJson(res, 400, { error: (err as Error).message });
    }
    const what = s[2]!;
    try {
      if (what === 'run-now') await ctx.runNow(name);
      else await ctx.pause(name, what === 'pause');
    } catch (err) {
      // The schedules' own errors carry their HTTP status (404: no such schedule).
      const code = (err as { status?: unknown }).status;
      return sendJson(res, typeof code === 'number' && code >= 400 && code < 500 ? code : /^no schedule\b/.test((err as Error).message) ? 404 : 409, { error: (err as Error).message });
    }
    return sendJson(res, 200, { message: what === 'run-now' ? `schedule ${name}: started` : `schedule ${name}: ${what === 'pause' ? 'paused' : 'resumed'}` });
  }
  sendJson(res, 404, { error: `no such action: POST ${pathname}` });
}
