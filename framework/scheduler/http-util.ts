import type http from 'node:http';

const MAX_BODY = 1024 * 1024;

/** A request body (at most 1 MiB). */
export function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => {
      body += d;
      if (body.length > MAX_BODY) {
        reject(new Error('request body too large'));
        req.destroy();
      }
    });
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

/** A refused request: its HTTP status and the message the client shows. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Answer with JSON (or another type's text: a full content type, or a bare one given charset utf-8), once. */
export function send(res: http.ServerResponse, code: number, body: unknown, type = 'application/json'): void {
  if (res.headersSent) return void res.end();
  res.writeHead(code, { 'content-type': type.includes(';') ? type : `${type}; charset=utf-8`, 'cache-control': 'no-store' });
  res.end(type === 'application/json' ? `${JSON.stringify(body)}\n` : String(body));
}

/** A JSON request body as an object, or a 400 naming what was sent. */
export function parseJsonBody(body: string, what: string): Record<string, unknown> {
  let r: unknown;
  try {
    r = JSON.parse(body);
  } catch {
    throw new HttpError(400, `${what}: the body is not JSON`);
  }
  if (typeof r !== 'object' || r === null || Array.isArray(r)) throw new HttpError(400, `${what}: the body must be a JSON object`);
  return r as Record<string, unknown>;
}
