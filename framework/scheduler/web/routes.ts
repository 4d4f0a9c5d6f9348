import type http from 'node:http';
import { hasToken } from '../auth.ts';
import { readHistory } from '../history.ts';
import type { SubmittedJob } from '../submitted-job.ts';
import type { ScheduleView } from '../schedule-types.ts';
import type { SchedulerStatus } from '../status.ts';
import { runAction } from './actions.ts';
import { html, type Html } from './html.ts';
import { BadQuery, filterHistory, parseHistoryFilter } from './history-query.ts';
import { jobView } from './job-view.ts';
import type { PageOptions } from './layout.ts';
import { historyBody } from './pages/history.ts';
import { jobBody } from './pages/job.ts';
import { overviewBody } from './pages/overview.ts';
import { schedulesBody } from './pages/schedules.ts';
import { tablesBody } from './pages/tables.ts';
import { newNonce, redirect, sendJson, sendNotice, sendPage } from './respond.ts';
import { clearedCookie, sessionCookie, SessionStore, type Session, type SessionOptions } from './session.ts';
import { tableBuilds } from './table-builds.ts';

/** What the web UI reads and may do; the daemon provides it. */
export interface WebContext {
  readonly token: string;
  readonly status: () => SchedulerStatus;
  /** Jobs the daemon ran or runs (the last 200 ended ones), by id. */
  readonly job: (id: string) => SubmittedJob | undefined;
  readonly historyDir: string;
  readonly schedules: () => readonly ScheduleView[];
  readonly kill: (jobId: string) => boolean;
  readonly runNow: (schedule: string) => Promise<void>;
  readonly pause: (schedule: string, paused: boolean) => Promise<void>;
  /** Login code and session lifetimes (tests); defaults 2 minutes and 12 hours. */
  readonly sessions?: SessionOptions;
}

/** The web UI's routes: everything under /ui. */
export interface WebUi {
  /** True when the request carries a valid UI session cookie. */
  hasSession(req: http.IncomingMessage): boolean;
  /** Serve the request if it is one of the UI's (returns true), else false. */
  handle(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<boolean>;
}

const LOGIN_HINT = 'Run `bsctl scheduler ui` (as the user who started the scheduler daemon) and open the link it prints.';
const JOB_PAGE = /^\/ui\/jobs\/([\w-]+)$/;

type Page = Pick<PageOptions, 'title' | 'body'> & Partial<Pick<PageOptions, 'nav' | 'refreshSeconds'>>;

/** The page a GET of `pathname` shows, undefined when there is none. */
function pageFor(ctx: WebContext, pathname: string, query: URLSearchParams): Page | undefined {
  const now = Date.now();
  if (pathname === '/ui' || pathname === '/ui/') return { title: 'Fair Scheduler', nav: 'overview', refreshSeconds: 5, body: overviewBody(ctx.status()) };
  const job = JOB_PAGE.exec(pathname);
  if (job) {
    const view = jobView(job[1]!, { job: ctx.job, running: ctx.status().jobs, historyDir: ctx.historyDir });
    if (!view) return undefined;
    const live = view.state !== 'succeeded' && view.state !== 'failed';
    return { title: `Job ${view.id}`, ...(live ? { refreshSeconds: 3 } : {}), body: jobBody(view, now) };
  }
  const warnings: string[] = [];
  const history = (): ReturnType<typeof readHistory> => readHistory(ctx.historyDir, (w) => warnings.push(w));
  const withWarnings = (body: Html): Html => (warnings.length ? html`${body}<h2>Warnings</h2><ul id="warnings">${warnings.map((w) => html`<li>${w}</li>`)}</ul>` : body);
  if (pathname === '/ui/history') {
    const filter = parseHistoryFilter(query, now);
    const body = historyBody(filterHistory(history(), filter), filter);
    return { title: 'Job history', nav: 'history', body: withWarnings(body) };
  }
  if (pathname === '/ui/schedules') return { title: 'Schedules', nav: 'schedules', refreshSeconds: 10, body: schedulesBody(ctx.schedules()) };
  if (pathname === '/ui/tables') return { title: 'Tables', nav: 'tables', body: withWarnings(tablesBody(tableBuilds(history()))) };
  return undefined;
}

/** The session of a request with a valid CSRF header; bearer-token requests need none (no browser sends one by itself). */
function mayAct(ctx: WebContext, req: http.IncomingMessage, session: Session | undefined): boolean {
  return hasToken(req, ctx.token) || (session !== undefined && SessionStore.csrfOk(req, session));
}

async function serve(ctx: WebContext, sessions: SessionStore, req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
  const { pathname } = url;
  const method = req.method ?? 'GET';
  if (method !== 'GET' && method !== 'POST') return sendJson(res, 405, { error: `${method} is not allowed here` }, { allow: 'GET, POST' });
  // The CLI (holding the daemon's token) asks for a one-time login code: `bsctl scheduler ui`.
  if (pathname === '/ui/login-code') {
    if (method !== 'POST') return sendJson(res, 405, { error: 'POST /ui/login-code' }, { allow: 'POST' });
    if (!hasToken(req, ctx.token)) return sendJson(res, 401, { error: 'a login code needs the scheduler daemon\'s token (Authorization: Bearer ...)' });
    const { code, expires } = sessions.newCode();
    return sendJson(res, 200, { code, expires, path: `/ui/login?code=${code}` });
  }
  // The browser trades the code for a session cookie; the redirect takes the code out of the address bar.
  if (pathname === '/ui/login') {
    if (method !== 'GET') return sendJson(res, 405, { error: 'GET /ui/login?code=...' }, { allow: 'GET' });
    const login = sessions.redeem(url.searchParams.get('code') ?? '');
    if (!login) return sendNotice(res, 401, 'Login link used or expired', `This login link was used already or has expired (they are good once, for 2 minutes). ${LOGIN_HINT}`);
    return redirect(res, '/ui', { 'set-cookie': sessionCookie(login.id, sessions.sessionSeconds) });
  }
  const session = sessions.of(req);
  if (!session && !hasToken(req, ctx.token)) {
    if (method === 'GET') return sendNotice(res, 401, 'Login needed', `The scheduler's web UI needs a login. ${LOGIN_HINT}`);
    return sendJson(res, 401, { error: `the web UI needs a login session: ${LOGIN_HINT}` });
  }
  if (method === 'POST') {
    if (!mayAct(ctx, req, session)) return sendJson(res, 403, { error: 'refused: an action needs the page\'s CSRF token (the x-bsctl-csrf header the UI\'s buttons send); reload the page and use its button' });
    if (pathname === '/ui/logout') {
      sessions.end(req);
      return sendJson(res, 200, { message: 'logged out' }, { 'set-cookie': clearedCookie });
    }
    return runAction(ctx, res, pathname);
  }
  const csrf = session?.csrf ?? '';
  let p: Page | undefined;
  try {
    p = pageFor(ctx, pathname, url.searchParams);
  } catch (err) {
    if (err instanceof BadQuery) return sendNotice(res, 400, 'Bad filter', err.message, csrf);
    throw err;
  }
  if (!p) return sendNotice(res, 404, 'Not found', `No page ${pathname} (jobs the daemon forgot and that are not in its history have none).`, csrf);
  sendPage(res, 200, { ...p, csrf, nonce: newNonce() });
}

export function webUi(ctx: WebContext): WebUi {
  const sessions = new SessionStore(ctx.sessions);
  return {
    hasSession: (req) => sessions.of(req) !== undefined,
    handle: async (req, res, url) => {
      if (url.pathname !== '/ui' && !url.pathname.startsWith('/ui/')) return false;
      try {
        await serve(ctx, sessions, req, res, url);
      } catch (err) {
        if (!res.headersSent) sendJson(res, 500, { error: `web UI: ${(err as Error).message}` });
        else res.end();
      }
      return true;
    },
  };
}
