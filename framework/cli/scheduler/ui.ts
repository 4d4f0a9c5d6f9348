import path from 'node:path';
import { clientToken, TOKEN_ENV, TOKEN_FILE } from '../../scheduler/auth.ts';

/**
 * `bsctl scheduler ui`: a one-time login link to the daemon's web UI (like Jupyter's token URL, but
 * the long-lived token never goes into the URL): with the token of the state dir, ask the daemon for a
 * login code good once for 2 minutes, and print `<daemon>/ui/login?code=...`.
 */
export async function printLoginLink(daemonUrl: string, stateDir: string): Promise<number> {
  const token = clientToken(stateDir);
  if (!token) throw new Error(`scheduler ui: no daemon token (neither $${TOKEN_ENV} nor a readable ${path.join(stateDir, TOKEN_FILE)}): run this as the user who started the daemon, or with --state-dir of its state directory`);
  const res = await fetch(`${daemonUrl}/ui/login-code`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}', signal: AbortSignal.timeout(5000) });
  const body = (await res.json().catch(() => ({}))) as { path?: string; error?: string; expires?: number };
  if (!res.ok || typeof body.path !== 'string') throw new Error(`scheduler ui: ${daemonUrl}/ui/login-code: ${res.status} ${body.error ?? res.statusText}`);
  process.stdout.write(`${daemonUrl}${body.path}\n`);
  process.stderr.write(`Open that link in a browser on this machine to log in to the scheduler's web UI. It works once, for 2 minutes; the session it starts lasts 12 hours. Run \`bsctl scheduler ui\` again for another.\n`);
  return 0;
}
