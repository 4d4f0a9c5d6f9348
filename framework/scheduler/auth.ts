import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import type http from 'node:http';
import path from 'node:path';

/**
 * The daemon's secret: made at start, kept in `<state dir>/token` readable only by the daemon's user.
 * Every request that changes something or shows job data carries it (`Authorization: Bearer ...`);
 * whoever holds it acts as the daemon's user. It is never logged or printed.
 */
export const TOKEN_FILE = 'token';
export const TOKEN_ENV = 'BSCTL_SCHEDULER_TOKEN';

/** Create the state dir (mode 0700) and a fresh token file (mode 0600), or adopt `fromFile`'s token. */
export function createToken(stateDir: string, fromFile?: string): string {
  fs.mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  fs.chmodSync(stateDir, 0o700);
  const token = fromFile ? readTokenFile(fromFile) : randomBytes(32).toString('hex');
  const file = path.join(stateDir, TOKEN_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${token}\n`, { mode: 0o600 });
  fs.renameSync(tmp, file);
  return token;
}

/** A token file's secret; refuses a file others may read (like ssh with a private key). */
export function readTokenFile(file: string): string {
  const st = fs.statSync(file);
  if ((st.mode & 0o077) !== 0) throw new Error(`--token-file ${file}: readable by others (mode ${(st.mode & 0o777).toString(8)}); chmod 600 it`);
  const token = fs.readFileSync(file, 'utf8').trim();
  if (token.length < 32) throw new Error(`--token-file ${file}: the token must be at least 32 characters`);
  return token;
}

/** The token a client sends: $BSCTL_SCHEDULER_TOKEN, else the state dir's token file (if readable). */
export function clientToken(stateDir: string): string | undefined {
  const env = process.env[TOKEN_ENV];
  if (env) return env.trim();
  try {
    return fs.readFileSync(path.join(stateDir, TOKEN_FILE), 'utf8').trim();
  } catch {
    return undefined;
  }
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/** Constant-time comparison of the request's bearer token with the daemon's. */
export function hasToken(req: http.IncomingMessage, token: string): boolean {
  const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  return m !== null && timingSafeEqual(digest(m[1]!), digest(token));
}

/**
 * Why a request is refused as cross-site, or undefined: a browser page from another origin (Origin
 * or Sec-Fetch-Site says so), or a Host header that is not one of ours (DNS rebinding).
 */
export function crossSiteReason(req: http.IncomingMessage, allowedHosts: ReadonlySet<string> | undefined): string | undefined {
  const host = req.headers.host ?? '';
  if (allowedHosts && !allowedHosts.has(host.toLowerCase())) return `Host ${JSON.stringify(host)} is not this daemon's address`;
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== `http://${host}`) return `cross-origin request from ${origin}`;
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return `cross-site request (${site})`;
  return undefined;
}

/** Host headers a loopback daemon answers to. */
export function loopbackHosts(port: number): Set<string> {
  return new Set(['127.0.0.1', 'localhost', '[::1]'].map((h) => `${h}:${port}`));
}

/** True for loopback addresses (what the daemon binds to unless told otherwise). */
export function isLoopback(address: string): boolean {
  return /^(127\.\d+\.\d+\.\d+|::1|localhost|::ffff:127\.\d+\.\d+\.\d+)$/.test(address);
}
