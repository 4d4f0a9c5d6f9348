import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { ClusterConfig } from '../cluster/config.ts';
import { checkSimpleName } from '../fs/names.ts';
import { crossSiteReason, hasToken, isLoopback, loopbackHosts } from './auth.ts';
import { ClusterScheduler, type SchedulerOptions } from './cluster-scheduler.ts';
import { SubmittedJob } from './submitted-job.ts';
import { historyDir } from './history.ts';
import { schedulerPage } from './page.ts';
import type { DaemonInfo, SubmitRequest } from './protocol.ts';
import { schedulerStatus } from './status.ts';
import { HttpError, readBody, send } from './http-util.ts';
import { allowedJobModule } from './job-dirs.ts';
import { scheduleRoutes } from './schedule-routes.ts';
import { attemptLogFile } from '../runner/userlogs.ts';
import { Schedules } from './schedules.ts';
import { DaemonMetrics } from './metrics.ts';
import { startGangliaSink, type GangliaOptions } from './ganglia.ts';
import { webUi } from './web/routes.ts';

export interface DaemonOptions extends SchedulerOptions {
  readonly cluster: ClusterConfig;
  /** Address to listen on (default 127.0.0.1: loopback only) and port (0: any free port). */
  readonly bind?: string;
  readonly port?: number;
  /** Directory for daemon.json (the address clients find), the token file and user logs. */
  readonly stateDir: string;
  /** The secret every mutating or job-data request must carry (see auth.ts). */
  readonly token: string;
  /** The user jobs run as and are recorded under: the token's owner, never the request's word. */
  readonly user: string;
  /** Directories job modules may come from (their real paths); anything else is refused. */
  readonly jobDirs: readonly string[];
  /** Send the metrics to a gmond too (Hadoop's GangliaSink31). */
  readonly ganglia?: GangliaOptions;
  /** A schedule's fire missed while the daemon was down is run at start-up when at most this old (default 1 h). */
  readonly scheduleGraceMs?: number;
}

export interface Daemon {
  readonly url: string;
  readonly scheduler: ClusterScheduler;
  readonly metrics: DaemonMetrics;
  readonly schedules: Schedules;
  /** Resolves when the daemon has shut down (POST /shutdown or close()). */
  readonly closed: Promise<void>;
  close(): Promise<void>;
}

/** A submitted job, checked: the module must lie in an allowed directory; the user is the daemon's. */
function parseSubmit(body: string, options: Pick<DaemonOptions, 'user' | 'jobDirs'>): SubmitRequest {
  let r: Partial<SubmitRequest>;
  try {
    r = JSON.parse(body) as Partial<SubmitRequest>;
  } catch {
    throw new HttpError(400, 'submit: the body is not JSON');
  }
  const need = (ok: boolean, key: string): void => {
    if (!ok) throw new HttpError(400, `submit: ${key} is missing or invalid`);
  };
  need(typeof r === 'object' && r !== null, 'the request');
  need(typeof r.jobModule === 'string' && path.isAbsolute(r.jobModule), 'jobModule (an absolute path)');
  need(Array.isArray(r.input) && r.input.length > 0 && r.input.every((x) => typeof x === 'string' && x.length > 0), 'input');
  need(typeof r.output === 'string' && r.output.length > 0, 'output');
  need(r.sides === undefined || (typeof r.sides === 'object' && r.sides !== null && Object.values(r.sides).every((p) => Array.isArray(p) && p.every((x) => typeof x === 'string' && x.length > 0))), 'sides');
  need(typeof r.pool === 'string' && r.pool.length > 0, 'pool');
  need(r.schedule === undefined || (typeof r.schedule === 'object' && r.schedule !== null && typeof r.schedule.name === 'string' && typeof r.schedule.runId === 'string' && typeof r.schedule.late === 'boolean'), 'schedule');
  try {
    checkSimpleName(r.pool!, 'submit: pool');
  } catch (err) {
    throw new HttpError(400, (err as Error).message);
  }
  const module = allowedJobModule(r.jobModule!, options.jobDirs, 'submit: jobModule');
  return { ...(r as SubmitRequest), jobModule: module, user: options.user };
}

/**
 * The scheduler daemon (the JobTracker role): one ClusterScheduler for the cluster's machines, jobs
 * submitted over HTTP and run here, and the operator's view — `/scheduler` (HTML, like Hadoop's) and
 * `/scheduler.json`. Listens on loopback unless told otherwise.
 */
export async function startDaemon(options: DaemonOptions): Promise<Daemon> {
  const log = options.log ?? (() => {});
  // The schedules first: a schedules.json that does not parse stops the start here, before anything listens.
  const schedules = new Schedules({
    stateDir: options.stateDir,
    historyDir: historyDir(options.stateDir),
    ...(options.scheduleGraceMs !== undefined ? { graceMs: options.scheduleGraceMs } : {}),
    log,
    onRun: (r) => metrics.scheduleRun(r),
  });
  schedules.load();
  const scheduler = new ClusterScheduler(options.cluster, { userLogDir: path.join(options.stateDir, 'userlogs'), ...options });
  await scheduler.start();
  for (const h of scheduler.hosts.hosts) if (h.down) log(`machine ${h.machine.name} is down: ${h.down}`);
  const runs = new Map<string, SubmittedJob>();
  // Job ids like the JobTracker's: job_<start time>_<sequence>.
  const startStamp = new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14);
  let sequence = 0;
  const metrics = new DaemonMetrics({ status: () => schedulerStatus(scheduler), schedules: () => schedules.list() });
  const ganglia = options.ganglia ? startGangliaSink(metrics, options.ganglia, log) : undefined;
  const web = webUi({
    token: options.token,
    status: () => schedulerStatus(scheduler),
    job: (id) => runs.get(id),
    historyDir: historyDir(options.stateDir),
    schedules: () => schedules.list(),
    kill: (id) => {
      const run = runs.get(id);
      if (!run || run.ended) return false;
      run.cancel('killed by the operator');
      return true;
    },
    runNow: async (name) => void schedules.runNow(name),
    pause: async (name, paused) => void schedules.pause(name, paused),
  });
  let resolveClosed!: () => void;
  const closed = new Promise<void>((r) => (resolveClosed = r));

  let allowedHosts: Set<string> | undefined;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://daemon');
    const route = `${req.method} ${url.pathname}`;
    void (async () => {
      // Nobody in: no cross-site browser request, and beyond the health check and the read-only
      // page, nothing without the daemon's token; bodies must be JSON (a plain form cannot send one).
      const crossSite = crossSiteReason(req, allowedHosts);
      if (crossSite) return send(res, 403, { error: `refused: ${crossSite}` });
      if (route === 'GET /health') return send(res, 200, { ok: true });
      // The web UI's pages (its own session cookie, see web/), and the metrics, read-only like /scheduler.
      if (await web.handle(req, res, url)) return;
      if (route === 'GET /metrics') return send(res, 200, await metrics.render(), metrics.contentType);
      const open = route === 'GET /scheduler' || route === 'GET /';
      if (!open && !hasToken(req, options.token)) return send(res, 401, { error: 'this needs the scheduler daemon\'s token (Authorization: Bearer ...; bsctl sends the one in the state dir or $BSCTL_SCHEDULER_TOKEN)' });
      if (req.method === 'POST' && !/^application\/json\b/i.test(req.headers['content-type'] ?? '')) return send(res, 415, { error: 'POST bodies must be application/json' });
      if (route === 'GET /scheduler.json') return send(res, 200, schedulerStatus(scheduler, Number(url.searchParams.get('since') ?? 0)));
      if (route === 'GET /scheduler' || route === 'GET /') return send(res, 200, schedulerPage(schedulerStatus(scheduler, Date.now() - 60_000)), 'text/html');
      if (route === 'POST /jobs') {
        if (scheduler.stopping) return send(res, 503, { error: 'the scheduler daemon is stopping' });
        if (scheduler.hosts.hosts.length === 0) return send(res, 409, { error: 'this scheduler daemon has no machines (started without --cluster): it runs its schedules on its own machine; run the job with --runner local, or restart the daemon with --cluster FILE' });
        const run = new SubmittedJob(`job_${startStamp}_${String(++sequence).padStart(4, '0')}`, parseSubmit(await readBody(req), options), scheduler, log, options.stateDir, metrics);
        runs.set(run.id, run);
        // Keep the last 200 ended jobs' events for late clients; older ones go.
        const ended = [...runs.values()].filter((x) => x.ended);
        for (const old of ended.slice(0, Math.max(0, ended.length - 200))) runs.delete(old.id);
        log(`accepted ${run.id}: ${run.request.jobModule} → ${run.request.output} (pool ${run.request.pool}, user ${run.request.user})`);
        void run.run();
        return send(res, 202, { jobId: run.id });
      }
      const events = /^GET \/jobs\/([\w-]+)\/events$/.exec(route);
      if (events) {
        const run = runs.get(events[1]!);
        if (!run) return send(res, 404, { error: `no job ${events[1]}` });
        res.writeHead(200, { 'content-type': 'application/x-ndjson; charset=utf-8', 'cache-control': 'no-store' });
        const stop = run.follow((e) => {
          res.write(`${JSON.stringify(e)}\n`);
          if (e.event === 'succeeded' || e.event === 'failed') res.end();
        });
        res.on('close', stop);
        return;
      }
      const attemptLog = /^GET \/jobs\/([\w-]+)\/attempts\/([\w-]+)\/log$/.exec(route);
      if (attemptLog) {
        // The attempt's stderr as the daemon's userlogs keep it (24 h), for `bsctl logs` from another machine.
        const file = attemptLogFile(scheduler.userLogDir, attemptLog[1]!, attemptLog[2]!);
        if (!fs.existsSync(file)) return send(res, 404, { error: `no log of ${attemptLog[2]} of ${attemptLog[1]} (logs are kept 24 h)` });
        res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
        return void fs.createReadStream(file).on('error', () => res.destroy()).pipe(res);
      }
      const kill = /^POST \/jobs\/([\w-]+)\/kill$/.exec(route);
      if (kill) {
        const run = runs.get(kill[1]!);
        if (!run || run.ended) return send(res, 404, { error: `no running job ${kill[1]}` });
        run.cancel('killed by the operator');
        return send(res, 200, { killed: kill[1] });
      }
      if (await scheduleRoutes(route, req, res, schedules, options.jobDirs)) return;
      if (route === 'POST /shutdown') {
        send(res, 200, { stopping: true });
        void daemon.close();
        return;
      }
      send(res, 404, { error: `no such page: ${route}` });
    })().catch((err: unknown) => send(res, err instanceof HttpError ? err.status : 400, { error: err instanceof Error ? err.message : String(err) }));
  });
  // Clients poll and follow long jobs: keep idle connections well past their polling interval, so a
  // client never reuses a socket the server is just closing.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.bind ?? '127.0.0.1', () => resolve());
  });
  const addr = server.address() as { address: string; port: number };
  const host = addr.address.includes(':') ? `[${addr.address}]` : addr.address;
  const url = `http://${host}:${addr.port}`;
  // A loopback daemon answers only to its own addresses (no DNS rebinding); beyond loopback the token guards it.
  if (isLoopback(addr.address)) allowedHosts = new Set([...loopbackHosts(addr.port), `${host}:${addr.port}`]);
  const infoFile = path.join(options.stateDir, 'daemon.json');
  try {
    fs.mkdirSync(options.stateDir, { recursive: true, mode: 0o700 });
    const info: DaemonInfo = {
      pid: process.pid,
      url,
      ...(options.cluster.machines.length ? { cluster: options.cluster.file } : {}),
      ...(typeof options.allocations === 'string' ? { allocations: options.allocations } : {}),
      startedAt: Date.now(),
    };
    fs.writeFileSync(`${infoFile}.tmp`, `${JSON.stringify(info, null, 2)}\n`);
    fs.renameSync(`${infoFile}.tmp`, infoFile);
    if (scheduler.hosts.hosts.length) log(`scheduler listening on ${url}/scheduler (${scheduler.totalSlots().map} map / ${scheduler.totalSlots().reduce} reduce slots)`);
    else log(`scheduler listening on ${url}/scheduler without machines (no --cluster): schedules run on this machine's local runner`);
    if (!isLoopback(addr.address)) log(`warning: listening on ${addr.address}, not loopback: whoever holds the token can submit jobs from ${options.jobDirs.join(', ')} as ${options.user}`);
    // Runs submit to this daemon's address: the clocks start once it listens.
    schedules.start({ stateDir: options.stateDir, daemonUrl: url, ...(options.cluster.machines.length ? { clusterFile: options.cluster.file } : {}), defaultPool: options.user });
  } catch (err) {
    // A daemon that cannot start all of itself does not stay half up.
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    await schedules.close();
    await scheduler.close();
    ganglia?.stop();
    fs.rmSync(infoFile, { force: true });
    throw err;
  }

  let closing: Promise<void> | undefined;
  const daemon: Daemon = {
    url,
    scheduler,
    metrics,
    schedules,
    closed,
    close: () =>
      (closing ??= (async () => {
        log('scheduler stopping: running jobs are killed');
        scheduler.stopping = true;
        const schedulesClosed = schedules.close();
        for (const run of runs.values()) run.cancel('the scheduler daemon is stopping');
        server.closeAllConnections();
        await new Promise<void>((r) => server.close(() => r()));
        await Promise.all([...runs.values()].filter((r) => !r.ended).map((r) => new Promise<void>((done) => r.follow((e) => (e.event === 'succeeded' || e.event === 'failed') && done()))));
        await schedulesClosed;
        await scheduler.close();
        ganglia?.stop();
        try {
          if ((JSON.parse(fs.readFileSync(infoFile, 'utf8')) as DaemonInfo).pid === process.pid) fs.rmSync(infoFile);
        } catch {
          // already gone
        }
        log('scheduler stopped');
        resolveClosed();
      })()),
  };
  return daemon;
}
