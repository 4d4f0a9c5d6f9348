import { randomBytes } from 'node:crypto';
import type http from 'node:http';
import { html } from './html.ts';
import { page, type PageOptions } from './layout.ts';

/** A fresh nonce for one page's style and script (the only ones its Content-Security-Policy allows). */
export const newNonce = (): string => randomBytes(16).toString('base64');

const common = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  // The login code is in the first URL: never tell another site where the browser came from.
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

function csp(nonce: string): string {
  return `default-src 'none'; style-src 'nonce-${nonce}'; script-src 'nonce-${nonce}'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`;
}

export function sendPage(res: http.ServerResponse, status: number, o: PageOptions, headers: Readonly<Record<string, string>> = {}): void {
  res.writeHead(status, { ...common, ...headers, 'content-type': 'text/html; charset=utf-8', 'content-security-policy': csp(o.nonce) });
  res.end(page(o));
}

/** A short page that says one thing (login needed, not found, a bad filter). */
export function sendNotice(res: http.ServerResponse, status: number, title: string, message: string, csrf?: string): void {
  sendPage(res, status, { title, nonce: newNonce(), ...(csrf !== undefined ? { csrf } : {}), body: html`<p class="notice">${message}</p>` });
}

export function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): void {
  res.writeHead(status, { ...common, ...headers, 'content-type': 'application/json; charset=utf-8' });
  res.end(`${JSON.stringify(body)}\n`);
}

/** 303 See Other to `location` (a path of this UI). */
export function redirect(res: http.ServerResponse, location: string, headers: Readonly<Record<string, string>> = {}): void {
  res.writeHead(303, { ...common, ...headers, location });
  res.end();
}
