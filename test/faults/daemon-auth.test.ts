import test from 'ava';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { ROOT, bsctl, tempDir } from '../helpers/cli.ts';
import { waitFor } from '../helpers/wait.ts';

// Issue 9, defect 1: the scheduler daemon runs code for nobody without its token, refuses
// cross-site requests, takes job modules only from allowed directories and records the token's
// owner as the user. A real `bsctl scheduler start`; its one machine is unreachable (nothing here
// needs a slot: every request is judged before a job would run).

const dir = tempDir('daemon-auth');
const stateDir = path.join(dir, 'state');
const cluster = path.join(dir, 'cluster.json');
let url = '';
let port = 0;

test.before(() => {
  fs.writeFileSync(
    cluster,
    JSON.stringify({ machines: [{ name: 'gone', host: '127.0.0.1', port: 9, user: 'nobody', identityFile: path.join(dir, 'no-key'), hostKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGJ1c2ljYWxseSBub3QgYSByZWFsIGtleSBhdCBhbGwx', workDir: '/tmp/bsctl-auth-gone' }] }),
  );
  const r = bsctl(['scheduler', 'start', '--cluster', cluster, '--port', '0', '--state-dir', stateDir]);
  if (r.code !== 0) throw new Error(`scheduler start failed: ${r.stderr}`);
  url = /scheduler started: (http:\/\/\S+)\/scheduler/.exec(r.stdout)![1]!;
  port = Number(new URL(url).port);
});
test.after.always(() => {
  bsctl(['scheduler', 'stop', '--state-dir', stateDir]);
  fs.rmSync(dir, { recursive: true, force: true });
});

const token = (): string => fs.readFileSync(path.join(stateDir, 'token'), 'utf8').trim();

interface Reply {
  readonly status: number;
  readonly body: string;
}

/** A raw HTTP request (any Host, Origin or body a hostile page or user could send). */
function send(method: string, route: string, headers: Record<string, string>, body?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: route, headers: { host: `127.0.0.1:${port}`, ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const auth = (): Record<string, string> => ({ authorization: `Bearer ${token()}` });
const json = { 'content-type': 'application/json' };

function submission(jobModule: string, extra: Record<string, unknown> = {}): string {
  const input = path.join(dir, 'in.txt');
  fs.writeFileSync(input, 'a b\n');
  return JSON.stringify({ jobModule, input: [input], output: path.join(dir, `out-${Math.random().toString(36).slice(2)}`), pool: 'adhoc', user: 'mallory', ...extra });
}

test.serial('the token is made at start, readable only by its user, and never printed', (t) => {
  t.is(fs.statSync(stateDir).mode & 0o777, 0o700);
  t.is(fs.statSync(path.join(stateDir, 'token')).mode & 0o777, 0o600);
  t.regex(token(), /^[0-9a-f]{64}$/);
  const log = fs.readFileSync(path.join(stateDir, 'scheduler.log'), 'utf8');
  t.false(log.includes(token()));
  t.false(fs.readFileSync(path.join(stateDir, 'daemon.json'), 'utf8').includes(token()));
  const st = bsctl(['scheduler', 'status', '--state-dir', stateDir]);
  t.is(st.code, 0, st.stderr);
  t.false(st.stdout.includes(token()) || st.stderr.includes(token()));
});

test.serial('without the token (or with a wrong one) nothing mutating or job-revealing answers; the health check does', async (t) => {
  const evil = submission(path.join(ROOT, 'jobs/word-count.ts'));
  for (const [method, route, body] of [
    ['POST', '/jobs', evil],
    ['POST', '/jobs/job_1_0001/kill', '{}'],
    ['POST', '/shutdown', '{}'],
    ['GET', '/scheduler.json', undefined],
    ['GET', '/jobs/job_1_0001/events', undefined],
  ] as const) {
    t.is((await send(method, route, json, body)).status, 401, `${method} ${route} without a token`);
    t.is((await send(method, route, { ...json, authorization: `Bearer ${'0'.repeat(64)}` }, body)).status, 401, `${method} ${route} with a wrong token`);
  }
  t.is((await send('GET', '/health', {})).status, 200);
  t.is((await send('GET', '/scheduler.json', auth())).status, 200);
  t.is(JSON.parse((await send('GET', '/scheduler.json', auth())).body).finished.length, 0, 'no job was accepted');
});

test.serial('cross-site requests are refused even with the token: Origin, Sec-Fetch-Site, a foreign Host (DNS rebinding), non-JSON bodies', async (t) => {
  const body = submission(path.join(ROOT, 'jobs/word-count.ts'));
  const cases: [Record<string, string>, number, RegExp][] = [
    [{ ...json, ...auth(), origin: 'http://evil.example' }, 403, /cross-origin request from http:\/\/evil\.example/],
    [{ ...json, ...auth(), 'sec-fetch-site': 'cross-site' }, 403, /cross-site request/],
    [{ ...json, ...auth(), host: `evil.example:${port}` }, 403, /is not this daemon's address/],
    [{ 'content-type': 'text/plain', ...auth() }, 415, /must be application\/json/],
  ];
  for (const [headers, status, message] of cases) {
    const r = await send('POST', '/jobs', headers, body);
    t.is(r.status, status, JSON.stringify(headers));
    t.regex(r.body, message);
  }
  const page = await send('GET', '/scheduler', { host: `evil.example:${port}` });
  t.is(page.status, 403, 'the page is not served to a rebound host name either');
  t.is(JSON.parse((await send('GET', '/scheduler.json', auth())).body).finished.length, 0);
});

test.serial('job modules only from allowed directories: a module elsewhere is refused and never imported', async (t) => {
  const marker = path.join(dir, 'imported');
  const evil = path.join(dir, 'evil-job.ts');
  fs.writeFileSync(evil, `import fs from 'node:fs';\nfs.writeFileSync(${JSON.stringify(marker)}, 'ran');\nexport default {};\n`);
  const r = await send('POST', '/jobs', { ...json, ...auth() }, submission(evil));
  t.is(r.status, 403);
  t.regex(r.body, /is not in a job directory this daemon allows .*--jobs-dir DIR/);
  // Through a symlink placed in jobs/-like paths: the real path is what counts.
  const link = path.join(dir, 'link-job.ts');
  fs.symlinkSync(evil, link);
  t.is((await send('POST', '/jobs', { ...json, ...auth() }, submission(link))).status, 403);
  t.false(fs.existsSync(marker));
});

test.serial('the user is the token\'s owner, not what the request says; a non-bsctl directory is not overwritten through the daemon', async (t) => {
  const victim = path.join(dir, 'victim');
  fs.mkdirSync(victim);
  fs.writeFileSync(path.join(victim, 'data'), 'precious');
  const r = await send('POST', '/jobs', { ...json, ...auth() }, submission(path.join(ROOT, 'jobs/word-count.ts'), { output: victim, overwrite: true }));
  t.is(r.status, 202, r.body);
  const { jobId } = JSON.parse(r.body) as { jobId: string };
  // The job fails its output check before it reaches the pool (so never in scheduler.json's finished list).
  await waitFor(() => /job \S+ failed: --output .*victim: does not look like a previous bsctl output/.test(fs.readFileSync(path.join(stateDir, 'scheduler.log'), 'utf8')), { what: 'the job to fail' });
  const log = fs.readFileSync(path.join(stateDir, 'scheduler.log'), 'utf8');
  t.regex(log, new RegExp(`accepted ${jobId}: .* \\(pool adhoc, user ${os.userInfo().username}\\)`));
  t.notRegex(log, /mallory/);
  t.is(fs.readFileSync(path.join(victim, 'data'), 'utf8'), 'precious');
});

test.serial('--bind beyond loopback is refused without an operator token file; a token file others can read is refused', (t) => {
  const wide = bsctl(['scheduler', 'serve', '--cluster', cluster, '--bind', '0.0.0.0', '--port', '0', '--state-dir', path.join(dir, 'wide')]);
  t.is(wide.code, 1);
  t.regex(wide.stderr, /--bind 0\.0\.0\.0: listening beyond loopback needs --token-file FILE/);
  const loose = path.join(dir, 'loose-token');
  fs.writeFileSync(loose, `${'a'.repeat(40)}\n`, { mode: 0o644 });
  fs.chmodSync(loose, 0o644);
  const r = bsctl(['scheduler', 'serve', '--cluster', cluster, '--bind', '0.0.0.0', '--port', '0', '--state-dir', path.join(dir, 'wide'), '--token-file', loose]);
  t.is(r.code, 1);
  t.regex(r.stderr, /--token-file \S+loose-token: readable by others \(mode 644\); chmod 600 it/);
});

test.serial('the CLI sends the token: status, kill of an unknown job (404, not 401) and stop work', (t) => {
  const kill = bsctl(['scheduler', 'kill', 'job_1_0001', '--state-dir', stateDir]);
  t.is(kill.code, 1);
  t.regex(kill.stderr, /404 no running job job_1_0001/);
  const stop = bsctl(['scheduler', 'stop', '--state-dir', stateDir]);
  t.is(stop.code, 0, stop.stderr);
  t.regex(stop.stdout, /stopped/);
});
