import type { IncomingMessage } from 'node:http';
import { FsError } from '../types.ts';
import type { HdfsTarget } from './config.ts';

/** HDFS's RemoteException, as WebHDFS returns it in JSON error bodies. */
export interface RemoteException {
  readonly exception: string;
  readonly javaClassName?: string;
  readonly message: string;
}

/** Transient failures are retried: connection resets/refusals and 5xx, bounded in count and time. */
const RETRIES = 4;
const RETRY_BUDGET_MS = 15_000;
const TRANSIENT_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT']);

/** The error code of a fetch failure (undici wraps the socket error in `cause`). */
export function networkCode(err: unknown, depth = 0): string | undefined {
  if (typeof err !== 'object' || err === null || depth > 4) return undefined;
  const e = err as { code?: unknown; cause?: unknown; errors?: unknown[] };
  if (typeof e.code === 'string' && e.code !== 'UND_ERR') return e.code;
  return networkCode(e.cause, depth + 1) ?? (Array.isArray(e.errors) ? e.errors.map((x) => networkCode(x, depth + 1)).find(Boolean) : undefined);
}

export function isTransient(err: unknown): boolean {
  if (err instanceof FsError) return err.code === 'HTTP_5XX' || (err.code !== undefined && TRANSIENT_CODES.has(err.code));
  const code = networkCode(err);
  return code !== undefined && TRANSIENT_CODES.has(code);
}

/** The op's URL at the NameNode (or a DataNode location). */
export function opUrl(target: HdfsTarget, op: string, params: Record<string, string | number | boolean> = {}): string {
  const q = new URLSearchParams({ op });
  if (target.user) q.set('user.name', target.user);
  for (const [k, v] of Object.entries(params)) q.set(k, String(v));
  const encoded = target.path.split('/').map(encodeURIComponent).join('/');
  return `${target.namenode}/webhdfs/v1${encoded}?${q}`;
}

/** Turn an HTTP error response into an FsError naming the path and the RemoteException. */
export async function httpError(op: string, uri: string, res: Response): Promise<FsError> {
  const text = await res.text().catch(() => '');
  let remote: RemoteException | undefined;
  try {
    remote = (JSON.parse(text) as { RemoteException?: RemoteException }).RemoteException;
  } catch {
    remote = undefined;
  }
  const code = remote ? remote.exception : res.status >= 500 ? 'HTTP_5XX' : `HTTP_${res.status}`;
  const reason = remote ? `${remote.exception}: ${remote.message.split('\n')[0]}` : `HTTP ${res.status} ${res.statusText}${text ? `: ${text.slice(0, 200)}` : ''}`;
  return new FsError(op, uri, reason, res.status >= 500 && !remote ? 'HTTP_5XX' : code);
}

/** httpError for a node:http response (a DataNode's), its body read to the end. */
export async function incomingError(op: string, uri: string, res: IncomingMessage): Promise<FsError> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return httpError(op, uri, new Response(Buffer.concat(chunks).toString(), { status: res.statusCode ?? 500, statusText: res.statusMessage ?? '' }));
}

/** Error for a NameNode or DataNode that cannot be reached. */
export function unreachable(op: string, uri: string, url: string, err: unknown): FsError {
  const host = new URL(url).host;
  const code = networkCode(err);
  const cause = (err as { cause?: { message?: string } }).cause?.message ?? (err instanceof Error ? err.message : String(err));
  return new FsError(op, uri, `cannot reach ${host} (${code ?? cause})`, code ?? 'ECONNECT');
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Run `attempt` with retries on transient failures (exponential backoff from 200 ms). */
export async function withRetries<T>(attempt: () => Promise<T>): Promise<T> {
  const started = Date.now();
  for (let i = 0; ; i++) {
    try {
      return await attempt();
    } catch (err) {
      const delay = 200 * 2 ** i;
      if (!isTransient(err) || i >= RETRIES || Date.now() - started + delay > RETRY_BUDGET_MS) throw err;
      await sleep(delay);
    }
  }
}

/**
 * One JSON request to the NameNode, retried when transient unless `idempotent` is false (a RENAME the
 * NameNode applied before the connection dropped would answer `false` when repeated).
 */
export async function jsonRequest<T>(
  op: string,
  uri: string,
  target: HdfsTarget,
  method: string,
  httpOp: string,
  params?: Record<string, string | number | boolean>,
  idempotent = true,
): Promise<T> {
  const once = async (): Promise<T> => {
    const url = opUrl(target, httpOp, params);
    let res: Response;
    try {
      res = await fetch(url, { method, redirect: 'follow' });
    } catch (err) {
      throw unreachable(op, uri, url, err);
    }
    if (!res.ok) throw await httpError(op, uri, res);
    return (await res.json()) as T;
  };
  return idempotent ? withRetries(once) : once();
}
