import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type http from 'node:http';

/** The UI's session cookie: a random id, sent back only to /ui pages of this origin. */
export const SESSION_COOKIE = 'bsctl_ui_session';
/** The header the pages' script sends the session's CSRF token in. */
export const CSRF_HEADER = 'x-bsctl-csrf';

export interface Session {
  /** Sent in the page (meta tag) for the script's POSTs; never the daemon's token. */
  readonly csrf: string;
  readonly expires: number;
}

export interface SessionOptions {
  /** How long a login code may be used, once (default 2 minutes). */
  readonly codeMs?: number;
  /** How long a session lasts after login (default 12 hours). */
  readonly sessionMs?: number;
  /** At most this many sessions and outstanding codes; the oldest go first (defaults 1000, 100). */
  readonly maxSessions?: number;
  readonly maxCodes?: number;
  readonly now?: () => number;
}

const random = (): string => randomBytes(32).toString('base64url');
/** Kept by digest: a lookup never compares the secret itself. */
const key = (secret: string): string => createHash('sha256').update(secret).digest('base64url');

/** The value of one cookie of a request, or undefined. */
export function cookie(req: http.IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * The UI's logins, like Jupyter's: whoever holds the daemon's token (the CLI) asks for a one-time
 * login code; the browser trades it for a session cookie. Codes and sessions live in memory only (a
 * restarted daemon logs everyone out) and expire.
 */
export class SessionStore {
  private readonly codes = new Map<string, number>();
  private readonly sessions = new Map<string, Session>();
  private readonly codeMs: number;
  private readonly sessionMs: number;
  private readonly maxSessions: number;
  private readonly maxCodes: number;
  private readonly now: () => number;

  constructor(o: SessionOptions = {}) {
    this.codeMs = o.codeMs ?? 2 * 60_000;
    this.sessionMs = o.sessionMs ?? 12 * 3_600_000;
    this.maxSessions = o.maxSessions ?? 1000;
    this.maxCodes = o.maxCodes ?? 100;
    this.now = o.now ?? Date.now;
  }

  get sessionSeconds(): number {
    return Math.floor(this.sessionMs / 1000);
  }

  private prune(): void {
    const now = this.now();
    for (const [k, expires] of this.codes) if (expires <= now) this.codes.delete(k);
    for (const [k, s] of this.sessions) if (s.expires <= now) this.sessions.delete(k);
  }

  /** A fresh one-time login code and when it expires. */
  newCode(): { code: string; expires: number } {
    this.prune();
    const code = random();
    const expires = this.now() + this.codeMs;
    this.codes.set(key(code), expires);
    // Maps keep insertion order: the first entries are the oldest.
    for (const k of [...this.codes.keys()].slice(0, Math.max(0, this.codes.size - this.maxCodes))) this.codes.delete(k);
    return { code, expires };
  }

  /** Trade a login code (once, before it expires) for a new session: its id (the cookie) and the session. */
  redeem(code: string): { id: string; session: Session } | undefined {
    this.prune();
    const k = key(code);
    if (!this.codes.has(k)) return undefined;
    this.codes.delete(k);
    const id = random();
    const session: Session = { csrf: random(), expires: this.now() + this.sessionMs };
    this.sessions.set(key(id), session);
    for (const old of [...this.sessions.keys()].slice(0, Math.max(0, this.sessions.size - this.maxSessions))) this.sessions.delete(old);
    return { id, session };
  }

  /** The request's live session (its cookie), or undefined. */
  of(req: http.IncomingMessage): Session | undefined {
    const id = cookie(req, SESSION_COOKIE);
    if (!id) return undefined;
    const s = this.sessions.get(key(id));
    if (!s || s.expires <= this.now()) return undefined;
    return s;
  }

  /** End the request's session (logout). */
  end(req: http.IncomingMessage): void {
    const id = cookie(req, SESSION_COOKIE);
    if (id) this.sessions.delete(key(id));
  }

  /** The CSRF header matches the session's token (constant time). */
  static csrfOk(req: http.IncomingMessage, session: Session): boolean {
    const sent = req.headers[CSRF_HEADER];
    return typeof sent === 'string' && timingSafeEqual(Buffer.from(key(sent)), Buffer.from(key(session.csrf)));
  }
}

/** The Set-Cookie header of a new session: HttpOnly, SameSite=Strict, only for /ui. */
export function sessionCookie(id: string, maxAgeSeconds: number): string {
  return `${SESSION_COOKIE}=${id}; Path=/ui; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}`;
}

/** The Set-Cookie header that removes the session cookie. */
export const clearedCookie = `${SESSION_COOKIE}=; Path=/ui; HttpOnly; SameSite=Strict; Max-Age=0`;
