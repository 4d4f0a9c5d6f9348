import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { Readable } from 'node:stream';
import { clientToken } from './auth.ts';
import type { DaemonInfo, JobEvent, SubmitRequest } from './protocol.ts';
import type { SchedulerStatus } from './status.ts';

export const SCHEDULER_ENV = 'BSCTL_SCHEDULER';
export const SCHEDULER_DIR_ENV = 'BSCTL_SCHEDULER_DIR';

/** Where `bsctl scheduler start` keeps daemon.json and its log by default. */
export function defaultStateDir(): string {
  return process.env[SCHEDULER_DIR_ENV] ?? path.join(os.tmpdir(), `bsctl-scheduler-${os.userInfo().uid}`);
}

export function readDaemonInfo(stateDir: string): DaemonInfo | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(stateDir, 'daemon.json'), 'utf8')) as DaemonInfo;
  } catch {
    return undefined;
  }
}

/** Headers of an authenticated request: the token of `stateDir` (default: the default state dir), JSON. */
function authHeaders(stateDir?: string): Record<string, string> {
  const token = clientToken(stateDir ?? defaultStateDir());
  return { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) };
}

/** A request to the daemon with its token; a refusal throws with the daemon's error. */
export async function request(url: string, init: RequestInit = {}, timeoutMs = 5000, stateDir?: string): Promise<Response> {
  init = { ...init, headers: { ...authHeaders(stateDir), ...(init.headers as Record<string, string> | undefined) } };
  let res: Response;
  try {
    res = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    // A kept-alive connection closed under us: a GET is safe to send once more, on a new one.
    if ((init.method ?? 'GET') !== 'GET' || (err as Error).name === 'TimeoutError') throw err;
    res = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  }
  if (!res.ok) {
    const body = (await res.json().catch(() => ({}))) as { error?: string };
    throw new Error(`scheduler ${url}: ${res.status} ${body.error ?? res.statusText}`);
  }
  return res;
}

/** The daemon's status (needs its token: from `stateDir`, the default state dir or $BSCTL_SCHEDULER_TOKEN). */
export async function fetchStatus(url: string, since = 0, stateDir?: string): Promise<SchedulerStatus> {
  return (await (await request(`${url}/scheduler.json?since=${since}`, {}, 5000, stateDir)).json()) as SchedulerStatus;
}

/** Whether a daemon answers at `url` (within 2 s). */
export async function isUp(url: string): Promise<boolean> {
  try {
    await request(`${url}/health`, {}, 2000);
    return true;
  } catch {
    return false;
  }
}

/**
 * The daemon a `--runner cluster` job goes to: `--scheduler URL`, else $BSCTL_SCHEDULER, else the
 * cluster config's `scheduler`, else a daemon started with the default state directory. Undefined
 * (with the reason) when none answers: the job then runs a private scheduler.
 */
export async function findDaemon(explicit: string | undefined, fromConfig: string | undefined): Promise<{ url?: string; note?: string }> {
  const named = explicit ?? process.env[SCHEDULER_ENV] ?? fromConfig;
  const url = (named ?? readDaemonInfo(defaultStateDir())?.url)?.replace(/\/+(scheduler)?$/, '');
  if (!url) return {};
  if (await isUp(url)) return { url };
  return named ? { note: `no scheduler daemon answers at ${url}; running a private scheduler for this job` } : {};
}

/** Submit a job and follow its events to the end; resolves with the final event. */
export async function submitAndFollow(url: string, job: SubmitRequest, onEvent: (e: JobEvent) => void): Promise<JobEvent & { event: 'succeeded' | 'failed' }> {
  const res = await request(`${url}/jobs`, { method: 'POST', body: JSON.stringify(job) });
  const { jobId } = (await res.json()) as { jobId: string };
  const stream = await fetch(`${url}/jobs/${jobId}/events`, { headers: authHeaders() });
  if (!stream.ok || !stream.body) throw new Error(`scheduler ${url}: cannot follow ${jobId}: ${stream.status}`);
  const lines = readline.createInterface({ input: Readable.fromWeb(stream.body as import('node:stream/web').ReadableStream), crlfDelay: Infinity });
  try {
    for await (const line of lines) {
      if (!line.trim()) continue;
      const e = JSON.parse(line) as JobEvent;
      onEvent(e);
      if (e.event === 'succeeded' || e.event === 'failed') return e;
    }
  } catch (err) {
    if (err instanceof SyntaxError) throw err; // not the daemon's events
    // The stream broke (undici says only "terminated"): what happened is told below.
  }
  if (!(await isUp(url))) throw new Error(`the scheduler daemon at ${url} is gone (nothing answers): ${jobId} ended with it, unfinished (an output it had not committed is not published); start the daemon again and rerun the job`);
  throw new Error(`scheduler ${url}: lost the connection while following ${jobId}; the job may still be running (see ${url}/scheduler)`);
}

export async function killJob(url: string, jobId: string, stateDir?: string): Promise<void> {
  await request(`${url}/jobs/${encodeURIComponent(jobId)}/kill`, { method: 'POST', body: '{}' }, 5000, stateDir);
}

export async function shutdown(url: string, stateDir?: string): Promise<void> {
  await request(`${url}/shutdown`, { method: 'POST', body: '{}' }, 5000, stateDir);
}
