import test from 'ava';
import { probableCauseLine } from '../framework/scheduler/probable-cause.ts';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { listGenerations } from '../framework/index/layout.ts';
import { fetchStatus, readDaemonInfo } from '../framework/scheduler/client.ts';
import { historyDir, readHistory, writeHistory, type JobHistory } from '../framework/scheduler/history.ts';
import type { ScheduleView } from '../framework/scheduler/schedule-types.ts';
import type { SchedulerStatus } from '../framework/scheduler/status.ts';
import { holdRefresh, launchChromium, screenshot, tableRows } from './helpers/browser.ts';
import { ROOT, bsctlAsync, tempDir } from './helpers/cli.ts';
import { waitFor } from './helpers/wait.ts';
import { bsctlEnv, daemonLog, ownWorkDirs, stopDaemon, type TestDaemon } from './faults/daemon-helpers.ts';

// Issue 12 item 6: the scheduler daemon's web UI, in a real headless Chromium (Debian's, driven by
// playwright-core), over a real daemon on the three sshd hosts: a word count, a full build and a job
// whose map always fails run through it first; a job that blocks for good is killed from the UI.

const dir = tempDir('web-ui');
const stateDir = path.join(dir, 'state');
// The daemon's token is in its state dir: every bsctl this file starts (and fetchStatus here) reads it there.
process.env.BSCTL_SCHEDULER_DIR = stateDir;
const SHOTS = path.join(ROOT, 'test/output/web-ui');
const FIXTURE_JOBS = path.join(ROOT, 'test/fixtures/jobs');
const indexRoot = path.join(dir, 'index');

let daemon: TestDaemon | undefined;
let browser: Browser | undefined;
let token = '';
let cluster = '';
/** The logged-in browser context (the session cookie) and its page. */
let ctx: BrowserContext;
let page: Page;
/** Every HTML body the UI sent the browser (none may hold the token). */
const bodies: { what: string; html: string }[] = [];
const records = new Map<string, JobHistory>();
const outputs = { wc: path.join(dir, 'wc'), fails: path.join(dir, 'fails'), build: path.join(indexRoot, 'in1', 'generation_0') };

const url = (): string => daemon!.url;
const byOutput = (out: string): JobHistory => [...records.values()].find((r) => r.output === out)!;
/** Numbers as the UI prints them (its own formatting, written again here). */
const shown = (n: number): string => (n >= Number.MAX_SAFE_INTEGER ? '∞' : Number.isInteger(n) ? String(n) : n.toFixed(1));
const shownTime = (t: number): string => new Date(t).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');

function words(file: string, bytes: number): string {
  let text = '';
  for (let i = 0; text.length < bytes; i++) text += `alpha${i % 17} beta${i % 5} gamma common\n`;
  fs.writeFileSync(file, text);
  return file;
}

const clusterArgs = (): string[] => ['--runner', 'cluster', '--cluster', cluster, '--scheduler', url()];

test.before(async () => {
  browser = await launchChromium();
  cluster = ownWorkDirs(dir).cluster;
  const tmpdir = path.join(dir, 'daemon-tmp');
  fs.mkdirSync(tmpdir, { recursive: true });
  const r = bsctlEnv(['scheduler', 'start', '--cluster', cluster, '--port', '0', '--state-dir', stateDir, '--locality-delay', '0', '--jobs-dir', FIXTURE_JOBS], { TMPDIR: tmpdir });
  if (r.code !== 0) throw new Error(`scheduler start failed: ${r.stderr}`);
  const info = readDaemonInfo(stateDir)!;
  daemon = { url: info.url.replace(/\/+$/, ''), pid: info.pid, stateDir, tmpdir };
  token = fs.readFileSync(path.join(stateDir, 'token'), 'utf8').trim();
  const input = words(path.join(dir, 'words.txt'), 4000);
  const wc = await bsctlAsync(['run', 'word-count', '--input', input, '--output', outputs.wc, '--split-size', '1k', '--reducers', '2', ...clusterArgs()]);
  if (wc.code !== 0) throw new Error(`word count failed: ${wc.stderr}`);
  const build = await bsctlAsync(['run', 'full-build', '--table', 'in1', '--schema', path.join(ROOT, 'fixtures/in1/schema.json'), '--data', path.join(ROOT, 'fixtures/in1/data/docs.ha3'), '--partitions', '2', '--index-root', indexRoot, ...clusterArgs()]);
  if (build.code !== 0) throw new Error(`full build failed: ${build.stderr}`);
  const fails = await bsctlAsync(['run', path.join(FIXTURE_JOBS, 'always-fails.ts'), '--input', path.join(ROOT, 'fixtures/text/sample.txt'), '--output', outputs.fails, '--reducers', '1', ...clusterArgs()]);
  if (fails.code === 0) throw new Error('always-fails succeeded');
  for (const rec of readHistory(historyDir(stateDir), () => {})) records.set(rec.jobId, rec);
  if (records.size !== 3) throw new Error(`history has ${records.size} records, not 3`);
});

test.after.always(async () => {
  await browser?.close();
  if (daemon) {
    const stop = stopDaemon(daemon);
    if (stop.code !== 0) process.stderr.write(`scheduler stop: ${stop.stderr}\n--- scheduler.log ---\n${daemonLog(daemon)}`);
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Open a UI page in `p`: it must answer `status`; its HTML is kept (token check) and screenshotted as `shot`. */
async function visit(p: Page, pathname: string, status: number, shot?: string): Promise<string> {
  const res = await p.goto(`${url()}${pathname}`);
  if (!res) throw new Error(`no response for ${pathname}`);
  if (res.status() !== status) throw new Error(`${pathname}: status ${res.status()}, not ${status}: ${(await res.text()).slice(0, 500)}`);
  await holdRefresh(p);
  const html = await res.text();
  bodies.push({ what: pathname, html }, { what: `${pathname} (DOM)`, html: await p.content() });
  if (shot) await screenshot(p, SHOTS, shot);
  return html;
}

const status = (): Promise<SchedulerStatus> => fetchStatus(url(), 0, stateDir);

test.serial('`bsctl scheduler ui` prints a one-time loopback login link; it sets an HttpOnly SameSite=Strict session cookie for /ui and lands on /ui; without a session pages are 401', async (t) => {
  const r = bsctlEnv(['scheduler', 'ui', '--state-dir', stateDir]);
  t.is(r.code, 0, r.stderr);
  const link = r.stdout.trim();
  t.regex(link, /^http:\/\/127\.0\.0\.1:\d+\/ui\/login\?code=[A-Za-z0-9_-]{40,}$/);
  t.false(r.stdout.includes(token) || r.stderr.includes(token), 'the token is not printed');
  t.regex(r.stderr, /works once, for 2 minutes/);

  ctx = await browser!.newContext();
  page = await ctx.newPage();
  const res = await page.goto(link);
  t.is(res?.status(), 200);
  t.is(page.url(), `${url()}/ui`, 'the code is gone from the address bar');
  await holdRefresh(page);
  const cookies = await ctx.cookies();
  t.is(cookies.length, 1);
  const c = cookies[0]!;
  t.is(c.name, 'bsctl_ui_session');
  t.true(c.httpOnly);
  t.is(c.sameSite, 'Strict');
  t.is(c.path, '/ui');
  t.true(c.value.length >= 40);
  t.false(c.value.includes(token) || link.includes(c.value), 'the cookie is neither the token nor the code');
  t.true(c.expires > Date.now() / 1000 + 11 * 3600 && c.expires < Date.now() / 1000 + 13 * 3600, 'the session lasts 12 hours');

  // The link works once; pages without the session are 401 and say what to do.
  const other = await browser!.newContext();
  const p2 = await other.newPage();
  const again = await visit(p2, new URL(link).pathname + new URL(link).search, 401, 'login-used');
  t.regex(again, /used already or has expired/);
  t.deepEqual(await other.cookies(), []);
  for (const pathname of ['/ui', '/ui/history', '/ui/tables', '/ui/schedules', `/ui/jobs/${[...records.keys()][0]}`]) {
    const body = await visit(p2, pathname, 401, pathname === '/ui' ? 'login-needed' : undefined);
    t.true(body.includes('bsctl scheduler ui'), `${pathname} says how to log in`);
    t.false(body.includes(token));
    t.false(body.includes('<table'), `${pathname} shows nothing without a session`);
  }
  const post = await p2.evaluate(async (u) => (await fetch(`${u}/ui/jobs/job_x/kill`, { method: 'POST' })).status, url());
  t.is(post, 401);
  await other.close();
  // A bad or missing code is no login either.
  const bad = await fetch(`${url()}/ui/login?code=${'x'.repeat(43)}`, { redirect: 'manual' });
  t.is(bad.status, 401);
  t.is(bad.headers.get('set-cookie'), null);
  // A login code needs the daemon's token.
  t.is((await fetch(`${url()}/ui/login-code`, { method: 'POST' })).status, 401);
});

test.serial('the job pages show state, counters, bad records and one timeline bar per attempt, equal to the history records; a failed job shows its probable cause', async (t) => {
  const cases = [
    { name: 'word-count', rec: byOutput(outputs.wc) },
    { name: 'full-build', rec: byOutput(outputs.build) },
    { name: 'failed', rec: byOutput(outputs.fails) },
  ];
  // A job the daemon never ran (from before it started) has its page from history alone.
  const old = { ...cases[0]!.rec, jobId: 'job_20000101000000_0001', startTime: cases[0]!.rec.startTime - 86_400_000, finishTime: cases[0]!.rec.finishTime - 86_400_000 };
  writeHistory(historyDir(stateDir), old);
  records.set(old.jobId, old);
  cases.push({ name: 'from-history', rec: old });
  for (const { name, rec } of cases) {
    await visit(page, `/ui/jobs/${rec.jobId}`, 200, `job-${name}`);
    t.is(await page.textContent('#state'), rec.status, `${name}: state`);
    t.regex((await page.textContent('#summary')) ?? '', name === 'from-history' ? /Known from\s*history/ : /Known from\s*the daemon/);
    const attempts = rec.attempts ?? [];
    t.true(attempts.length > 0, `${name} has attempts`);
    t.is(await page.textContent('#attempt-count'), String(attempts.length));
    // The SVG timeline: one bar per attempt, each named by its attempt id, in a lane of its machine.
    const bars = await page.$$eval('svg.timeline rect.attempt', (rs) => rs.map((r) => ({ id: r.getAttribute('data-attempt'), lane: r.getAttribute('data-lane'), cls: r.getAttribute('class'), w: Number(r.getAttribute('width')) })));
    t.is(bars.length, attempts.length, `${name}: one bar per attempt`);
    t.deepEqual(bars.map((b) => b.id).sort(), attempts.map((a) => a.attemptId).sort());
    for (const a of attempts) {
      const bar = bars.find((b) => b.id === a.attemptId)!;
      t.true(bar.lane!.startsWith(`${a.machine} #`), `${a.attemptId} is in a lane of ${a.machine}`);
      t.true(bar.cls!.includes(a.status) && bar.cls!.includes(a.type), `${a.attemptId}: ${bar.cls}`);
      t.true(bar.w >= 2);
    }
    t.true((await page.$$('svg.timeline text.tick')).length >= 2, 'a time axis');
    if (rec.status === 'succeeded') {
      const r = rec.report!;
      const counters = Object.entries(r.counters).flatMap(([g, cs]) => Object.entries(cs).map(([k, v]) => [g, k, shown(v)]));
      t.true(counters.length > 5);
      t.deepEqual(await tableRows(page, 'counters'), counters, `${name}: counters`);
      t.deepEqual((await tableRows(page, 'tasks'))[0]!.slice(0, 5), [r.maps, r.reusedMaps, r.reduces, r.speculativeAttempts, r.killedAttempts].map(String));
      t.deepEqual(await tableRows(page, 'bad-records'), r.badRecords.length ? r.badRecords.map((b) => [b.path, String(b.offset), b.reason]) : [['none']]);
      t.is(await page.$('#probable-cause'), null);
    } else {
      const guess = /^probable cause: (.*)$/m.exec(rec.error!)?.[1];
      t.truthy(guess, `the failed job's error names a probable cause: ${rec.error}`);
      // The line `bsctl logs` prints: the task, its machine, the exception, the split, then the guess.
      const cause = probableCauseLine(rec)?.replace(/^probable cause: /, '');
      t.true(cause!.endsWith(guess!) && cause!.includes(' on host'), cause);
      t.is(await page.textContent('#probable-cause span'), cause!);
      t.true(await page.isVisible('#probable-cause'));
      t.regex((await page.textContent('#error')) ?? '', /boom: mapper always fails/);
      t.is(attempts.filter((a) => a.status === 'failed').length, 4, 'the map failed 4 times');
      t.is(await page.$$eval('svg.timeline rect.attempt.failed', (rs) => rs.length), 4);
    }
  }
  t.is((await page.goto(`${url()}/ui/jobs/job_19990101000000_0404`))?.status(), 404);
});

test.serial('/ui/history lists the records with their states, task and attempt counts; its filters (table, failed, since) work; a bad filter is a 400 naming it', async (t) => {
  await visit(page, '/ui/history', 200, 'history');
  const rows = await tableRows(page, 'history');
  const all = readHistory(historyDir(stateDir), () => {});
  t.is(rows.length, all.length);
  t.deepEqual(rows.map((r) => r[0]), all.map((r) => r.jobId), 'newest first');
  for (const rec of all) {
    const row = rows.find((r) => r[0] === rec.jobId)!;
    // Status, table, generation, maps, reduces, attempts, failed attempts.
    t.deepEqual([row[1], row[8], row[9], row[10], row[11], row[12], row[13]], [rec.status, rec.table ?? '', rec.generation === undefined ? '' : String(rec.generation), String(rec.report?.maps ?? ''), String(rec.report?.reduces ?? ''), String(rec.attempts!.length), String(rec.attempts!.filter((a) => a.status === 'failed').length)]);
  }
  const ids = async (query: string): Promise<string[]> => {
    await visit(page, `/ui/history?${query}`, 200);
    return (await tableRows(page, 'history')).map((r) => r[0]!).filter((x) => x !== 'none');
  };
  t.deepEqual(await ids('failed=1'), all.filter((r) => r.status === 'failed').map((r) => r.jobId));
  t.deepEqual(await ids('table=in1'), [byOutput(outputs.build).jobId]);
  t.deepEqual(await ids('since=1d'), all.filter((r) => r.startTime >= Date.now() - 86_400_000).map((r) => r.jobId));
  t.false((await ids('since=1d')).includes('job_20000101000000_0001'));
  t.deepEqual(await ids(`since=${new Date(Date.now() + 86_400_000).toISOString().slice(0, 10)}`), []);
  // The form is the page's own: tick "failed only" and submit.
  await visit(page, '/ui/history', 200);
  await page.check('input[name="failed"]');
  await Promise.all([page.waitForURL(/failed=1/), page.click('form.filters button[type="submit"]')]);
  await holdRefresh(page);
  t.deepEqual((await tableRows(page, 'history')).map((r) => r[0]), all.filter((r) => r.status === 'failed').map((r) => r.jobId));
  await screenshot(page, SHOTS, 'history-failed');
  const bad = await visit(page, '/ui/history?since=yesterday', 400);
  t.regex(bad, /since: &#34;yesterday&#34; is not a duration/);
  t.regex(await visit(page, '/ui/history?table=a%2Fb', 400), /table: invalid table name/);
});

test.serial('/ui/tables shows each built table with its READY generation on disk; /ui/schedules loads', async (t) => {
  await visit(page, '/ui/tables', 200, 'tables');
  const rows = await tableRows(page, 'tables');
  t.is(rows.length, 1);
  const [table, root, onDisk, gens, published, last, builds, failed] = rows[0]!;
  t.is(table, 'in1');
  t.is(root, indexRoot);
  t.is(onDisk, 'READY generation 0');
  t.is(gens, listGenerations(indexRoot, 'in1').join(', '));
  t.regex(published!, new RegExp(`^generation 0 by ${byOutput(outputs.build).jobId}`));
  t.regex(last!, /succeeded/);
  t.deepEqual([builds, failed], ['1', '0']);
  await visit(page, '/ui/schedules', 200, 'schedules');
  t.true(await page.isVisible('#schedules'));
});

test.serial('/ui shows the numbers of /scheduler.json while a job holds slots; the kill button needs the CSRF token: refused without it and from another site, done with it', async (t) => {
  // Two one-line files, not combined: two maps that block for good, each on a slot.
  const inputDir = path.join(dir, 'block');
  const markers = path.join(dir, 'markers');
  fs.mkdirSync(inputDir);
  fs.mkdirSync(markers);
  for (const n of [1, 2]) fs.writeFileSync(path.join(inputDir, `${n}.txt`), `line ${n}\n`);
  const blocked = bsctlAsync(['run', path.join(FIXTURE_JOBS, 'blocks-forever.ts'), '--input', path.join(inputDir, '*.txt'), '--output', path.join(dir, 'blocked'), '--pool', 'blocked', '--conf', `marker.dir=${markers}`, '--conf', 'bsctl.input.combine=false', ...clusterArgs()]);
  const job = await waitFor(async () => (await status()).jobs.find((j) => j.name === 'blocks-forever' && j.attempts.length === 2 && fs.readdirSync(markers).length === 2), { what: 'the blocking job to hold two map slots', timeoutMs: 60_000, intervalMs: 200 });

  // The overview equals /scheduler.json (read before and after the page: the same, so nothing moved).
  const project = (s: SchedulerStatus): unknown => ({
    pools: s.pools.map((p) => [p.name, p.runningJobs, p.waitingJobs, p.weight, p.minShare, p.demand, p.fairShare, p.running]),
    hosts: s.hosts,
    jobs: s.jobs.map((j) => [j.id, j.name, j.user, j.pool, j.state, j.done, j.queued, j.attempts.map((a) => a.type)]),
    finished: s.finished,
    totalSlots: s.totalSlots,
  });
  const before = await status();
  await visit(page, '/ui', 200, 'overview');
  const after = await status();
  t.deepEqual(project(before), project(after), 'the scheduler did not move while the page was read');
  const s = after;
  t.deepEqual(await tableRows(page, 'pools'), s.pools.map((p) => [p.name, p.runningJobs, p.waitingJobs, p.weight, p.minShare.map, p.minShare.reduce, p.demand.map, p.demand.reduce, p.fairShare.map, p.fairShare.reduce, p.running.map, p.running.reduce].map((v) => (typeof v === 'number' ? shown(v) : v))));
  t.true(s.pools.some((p) => p.name === 'blocked' && p.running.map === 2));
  t.deepEqual(await tableRows(page, 'machines'), s.hosts.map((h) => [h.name, h.address, `${h.running.map}/${h.slots.map}`, `${h.running.reduce}/${h.slots.reduce}`, h.down ? `down: ${h.down}` : 'up']));
  t.is(s.hosts.reduce((n, h) => n + h.running.map, 0), 2);
  const jobs = await tableRows(page, 'jobs');
  t.deepEqual(
    jobs.map((r) => [r[0], r[1], r[2], r[3], r[4], r[6], r[7], r[8], r[10], r[11], r[12]]),
    s.jobs.map((j) => [j.id, j.name, j.user, j.pool, j.state, ...[j.done.map, j.attempts.filter((a) => a.type === 'map').length, j.queued.map, j.done.reduce, j.attempts.filter((a) => a.type === 'reduce').length, j.queued.reduce].map(String)]),
  );
  const finished = await tableRows(page, 'finished');
  t.deepEqual(
    finished.map((r) => [r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8]]),
    [...s.finished].reverse().map((f) => [f.id, f.name, f.user, f.pool, f.state, String(f.done.map), String(f.done.reduce), f.error ?? '']),
  );
  t.deepEqual(finished.map((r) => r[5]).sort(), ['failed', 'succeeded', 'succeeded']);
  t.is(await page.textContent('#total-map'), String(s.totalSlots.map));

  // The running job's page: two running bars, a kill button.
  await visit(page, `/ui/jobs/${job.id}`, 200, 'job-running');
  t.is(await page.textContent('#state'), 'running');
  t.is(await page.$$eval('svg.timeline rect.attempt.running', (rs) => rs.length), 2);
  const killPath = `/ui/jobs/${job.id}/kill`;
  // The page's own origin, the session cookie, but no CSRF token: refused.
  const noCsrf = await page.evaluate(async (p) => {
    const r = await fetch(p, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    return { status: r.status, body: await r.text() };
  }, killPath);
  t.is(noCsrf.status, 403);
  t.regex(noCsrf.body, /CSRF token/);
  // A wrong token: refused too.
  t.is(await page.evaluate(async (p) => (await fetch(p, { method: 'POST', headers: { 'x-bsctl-csrf': 'guess' } })).status, killPath), 403);
  // A plain form on another site, posting to the daemon in the same browser: refused.
  const evil = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(`<form method="post" action="${url()}${killPath}"><input name="x" value="1"></form><script>document.forms[0].submit()</script>`);
  });
  await new Promise<void>((r) => evil.listen(0, '127.0.0.2', () => r()));
  try {
    const attacker = await ctx.newPage();
    const [res] = await Promise.all([attacker.waitForResponse((r) => r.url() === `${url()}${killPath}`), attacker.goto(`http://127.0.0.2:${(evil.address() as { port: number }).port}/`)]);
    t.is(res.status(), 403);
    t.regex(await res.text(), /refused: cross-(origin|site)/);
    await attacker.close();
  } finally {
    evil.close();
  }
  t.truthy((await status()).jobs.find((j) => j.id === job.id), 'the job still runs');

  // The page's button (with the CSRF token) kills it.
  page.once('dialog', (d) => void d.accept());
  await page.click('button[data-action$="/kill"]');
  await waitFor(async () => (await status()).finished.find((f) => f.id === job.id && f.state === 'failed'), { what: 'the killed job to end', timeoutMs: 60_000, intervalMs: 200 });
  const end = await blocked;
  t.not(end.code, 0);
  const rec = await waitFor(() => readHistory(historyDir(stateDir), () => {}).find((r) => r.jobId === job.id), { what: 'the killed job\'s history record' });
  t.is(rec.status, 'failed');
  t.regex(rec.error ?? '', /killed by the operator/);
  await visit(page, `/ui/jobs/${job.id}`, 200, 'job-killed');
  t.is(await page.textContent('#state'), 'failed');
  t.is(await page.$$eval('svg.timeline rect.attempt', (rs) => rs.length), rec.attempts!.length);

  // Schedule actions: the same rule; an unknown schedule is a clear 404.
  const act = (p: string, csrf: boolean): Promise<{ status: number; body: string }> =>
    page.evaluate(
      async ([p, csrf]) => {
        const token = (document.querySelector('meta[name="bsctl-csrf"]') as HTMLMetaElement).content;
        const r = await fetch(p as string, { method: 'POST', headers: csrf ? { 'x-bsctl-csrf': token, 'content-type': 'application/json' } : {}, body: '{}' });
        return { status: r.status, body: await r.text() };
      },
      [p, csrf] as const,
    );
  t.is((await act('/ui/schedules/nightly/run-now', false)).status, 403);
  const unknown = await act('/ui/schedules/nightly/pause', true);
  t.is(unknown.status, 404, unknown.body);
  t.regex((JSON.parse(unknown.body) as { error: string }).error, /^no schedule "?nightly\b/);
  t.is((await act('/ui/schedules/..%2Fx/pause', true)).status, 400);
});

test.serial('/ui/schedules shows a schedule as GET /schedules has it; its Pause, Resume and Run now buttons work', async (t) => {
  const name = 'nightly-wc';
  const add = bsctlEnv(['schedule', 'add', name, '--cron', '0 3 * * *', '--tz', 'Asia/Shanghai', '--state-dir', stateDir, '--', 'run', 'word-count', '--input', path.join(ROOT, 'fixtures/text/sample.txt'), '--output', path.join(dir, 'scheduled-wc'), '--overwrite']);
  t.is(add.code, 0, add.stderr);
  const schedule = async (): Promise<ScheduleView> => ((await (await fetch(`${url()}/schedules`, { headers: { authorization: `Bearer ${token}` } })).json()) as { schedules: ScheduleView[] }).schedules.find((x) => x.name === name)!;
  const row = async (): Promise<string[]> => {
    await visit(page, '/ui/schedules', 200);
    return (await tableRows(page, 'schedules')).find((r) => r[0] === name)!;
  };
  /** Click a row's button (its POST carries the CSRF token) and wait for its answer. */
  const click = async (action: string): Promise<number> => {
    const [res] = await Promise.all([page.waitForResponse((r) => r.url() === `${url()}/ui/schedules/${name}/${action}`), page.click(`button[data-action="/ui/schedules/${name}/${action}"]`)]);
    return res.status();
  };
  const s = await schedule();
  let r = await row();
  t.deepEqual(r.slice(0, 3), [name, '0 3 * * *', 'Asia/Shanghai']);
  t.is(r[4], `bsctl ${s.args.join(' ')}`);
  const local = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Asia/Shanghai', dateStyle: 'short', timeStyle: 'medium' }).format(s.nextRun!);
  t.is(r[5], `${shownTime(s.nextRun!)} ${local} Asia/Shanghai`, 'the next run, as the daemon has it (UTC, and in the schedule\'s zone)');
  t.regex(local, / 03:00:00$/);
  t.is(r[6], 'never ran');
  t.is(await click('pause'), 200);
  await waitFor(async () => (await schedule()).paused, { what: 'the schedule to be paused' });
  r = await row();
  t.is(r[5], 'paused');
  t.true(await page.isVisible(`button[data-action="/ui/schedules/${name}/resume"]`));
  t.is(await click('resume'), 200);
  await waitFor(async () => !(await schedule()).paused, { what: 'the schedule to be resumed' });
  await row();
  t.is(await click('run-now'), 200);
  const ran = await waitFor(async () => {
    const x = await schedule();
    return x.lastRun && x.lastRun.outcome !== 'running' ? x : undefined;
  }, { what: 'the run-now run to end', timeoutMs: 120_000, intervalMs: 200 });
  r = await row();
  t.is(ran.lastRun!.outcome, 'succeeded', ran.lastRun!.reason);
  t.regex(r[6]!, /^succeeded .*\(run-now\)/);
  for (const id of ran.lastRun!.jobIds) t.true(r[6]!.includes(id), `the run's job ${id} is linked`);
  await screenshot(page, SHOTS, 'schedules-ran');
});

test.serial('the token is in no page the UI sent; logging out ends the session', async (t) => {
  t.true(bodies.length >= 20, `${bodies.length} pages read`);
  for (const b of bodies) t.false(b.html.includes(token), `${b.what} holds the token`);
  // Every page carries its own CSP and no-referrer (the first URL had the code).
  const res = await page.goto(`${url()}/ui`);
  t.regex(res!.headers()['content-security-policy'] ?? '', /script-src 'nonce-/);
  t.is(res!.headers()['referrer-policy'], 'no-referrer');
  await holdRefresh(page);
  const [out] = await Promise.all([page.waitForResponse((r) => r.url() === `${url()}/ui/logout`), page.click('button[data-action="/ui/logout"]')]);
  t.is(out.status(), 200);
  t.deepEqual((await ctx.cookies()).filter((c) => c.value !== ''), []);
  t.is((await page.goto(`${url()}/ui`))?.status(), 401);
});
