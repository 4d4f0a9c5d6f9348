import type { Segment } from '../shuffle/segment.ts';
import type { MapTaskSpec, ReduceTaskSpec, TaskResult, TaskSpec } from '../task/spec.ts';
import { AttemptFailure, type AttemptProgress, type TaskRunner } from '../runner/types.ts';
import type { WorkerProcess } from '../runner/worker-process.ts';
import { buildWorkerBundle, shipBundle, type WorkerBundle } from './bundle.ts';
import type { ClusterConfig, Machine } from './config.ts';
import { startRemoteWorker } from './remote-worker.ts';
import { HostKeyError, shellQuote, SshPool } from './ssh.ts';

/** Task failures on one machine before it is blacklisted for the job (Hadoop's default). */
const BLACKLIST_AFTER = 3;

interface HostState {
  readonly machine: Machine;
  readonly idle: WorkerProcess[];
  readonly all: WorkerProcess[];
  running: { map: number; reduce: number };
  failures: number;
  blacklisted: boolean;
  /** The shipped bundle's path, once per machine however many slots start at once. */
  bundle: Promise<string> | undefined;
}

/**
 * Runs attempts on a pool of machines over SSH: one pooled connection per machine, a content-addressed
 * worker bundle shipped once per machine, long-lived remote workers (one per slot) speaking the same
 * task protocol as local workers. Map outputs stay on the map machine's disk; a reducer's segments are
 * fetched from every map machine over SFTP before it starts.
 */
export class ClusterRunner implements TaskRunner {
  readonly name = 'cluster';
  private readonly pool = new SshPool();
  private readonly hosts: HostState[];
  private bundle: Promise<WorkerBundle> | undefined;
  /** Map output file → the machine holding it. */
  private readonly outputHost = new Map<string, HostState>();
  private readonly jobs = new Set<string>();
  private waiters: (() => void)[] = [];

  constructor(
    readonly config: ClusterConfig,
    private readonly log: (line: string) => void = () => {},
    private readonly taskTimeoutMs = 600_000,
  ) {
    this.hosts = config.machines.map((machine) => ({ machine, idle: [], all: [], running: { map: 0, reduce: 0 }, failures: 0, blacklisted: false, bundle: undefined }));
  }

  get slots(): number {
    return this.slotsFor('map');
  }

  slotsFor(type: 'map' | 'reduce'): number {
    return this.hosts.filter((h) => !h.blacklisted).reduce((n, h) => n + (type === 'map' ? h.machine.mapSlots : h.machine.reduceSlots), 0);
  }

  /** Connect to every machine: a wrong host key fails the job now; an unreachable machine is left out. */
  async start(): Promise<void> {
    await Promise.all(
      this.hosts.map(async (h) => {
        try {
          await this.pool.get(h.machine);
        } catch (err) {
          if (err instanceof HostKeyError) throw err;
          this.blacklist(h, (err as Error).message);
        }
      }),
    );
    if (this.hosts.every((h) => h.blacklisted)) throw new Error(`no machine of ${this.config.file} is reachable`);
  }

  private blacklist(h: HostState, why: string): void {
    if (h.blacklisted) return;
    h.blacklisted = true;
    this.log(`blacklisting ${h.machine.name} for this job: ${why}`);
    for (const w of this.waiters.splice(0)) w();
  }

  /** A machine with a free slot: prefer the split's hosts (locality), then fewer failures, then load. */
  private pick(spec: TaskSpec): HostState | undefined {
    const type = spec.type;
    const free = this.hosts.filter((h) => !h.blacklisted && h.running[type] < (type === 'map' ? h.machine.mapSlots : h.machine.reduceSlots));
    const local = spec.type === 'map' ? new Set(spec.split.hosts) : new Set<string>();
    free.sort(
      (a, b) =>
        Number(local.has(b.machine.host) || local.has(b.machine.name)) - Number(local.has(a.machine.host) || local.has(a.machine.name)) ||
        a.failures - b.failures ||
        a.running.map + a.running.reduce - (b.running.map + b.running.reduce),
    );
    return free[0];
  }

  private async acquireHost(spec: TaskSpec): Promise<HostState> {
    for (;;) {
      const h = this.pick(spec);
      if (h) {
        h.running[spec.type]++;
        return h;
      }
      if (this.hosts.every((x) => x.blacklisted)) throw new Error('every machine of the cluster is blacklisted for this job');
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }

  private release(h: HostState, type: 'map' | 'reduce'): void {
    h.running[type]--;
    this.waiters.shift()?.();
  }

  private async worker(h: HostState, jobModule: string): Promise<WorkerProcess> {
    const idle = h.idle.pop();
    if (idle && !idle.exited) return idle;
    const conn = await this.pool.get(h.machine);
    this.bundle ??= buildWorkerBundle(jobModule);
    const bundle = this.bundle;
    h.bundle ??= bundle.then((b) => shipBundle(conn, b));
    h.bundle.catch(() => (h.bundle = undefined));
    const w = await startRemoteWorker(conn, await h.bundle, this.taskTimeoutMs);
    h.all.push(w);
    return w;
  }

  private jobDir(h: HostState, jobId: string): string {
    return `${h.machine.workDir}/jobs/${jobId}`;
  }

  /** Copy this reduce's segments held by other machines to `h`, over SFTP. */
  private async fetchSegments(h: HostState, spec: ReduceTaskSpec): Promise<Segment[]> {
    const dir = `${this.jobDir(h, spec.jobId)}/fetch/${spec.attemptId}`;
    const conn = await this.pool.get(h.machine);
    await conn.run(`mkdir -p ${shellQuote(dir)}`);
    const dst = await conn.sftp();
    return Promise.all(
      spec.segments.map(async (seg, i) => {
        const from = this.outputHost.get(seg.file);
        if (!from || from === h || seg.length === 0) return seg;
        const src = await (await this.pool.get(from.machine)).sftp();
        const target = `${dir}/map_${i}.seg`;
        await new Promise<void>((resolve, reject) => {
          const read = src.createReadStream(seg.file, { start: seg.offset, end: seg.offset + seg.length - 1 });
          const write = dst.createWriteStream(target);
          read.on('error', (e: Error) => reject(new Error(`shuffle fetch of ${seg.file} from ${from.machine.name} failed: ${e.message}`)));
          write.on('error', reject);
          write.on('close', () => resolve());
          read.pipe(write);
        });
        return { file: target, offset: 0, length: seg.length, records: seg.records };
      }),
    );
  }

  async runAttempt(spec: TaskSpec, progress: AttemptProgress): Promise<TaskResult> {
    this.jobs.add(spec.jobId);
    const h = await this.acquireHost(spec);
    try {
      const remote: TaskSpec =
        spec.type === 'map'
          ? ({ ...spec, spillDir: `${this.jobDir(h, spec.jobId)}/${spec.attemptId}` } satisfies MapTaskSpec)
          : ({ ...spec, segments: await this.fetchSegments(h, spec) } satisfies ReduceTaskSpec);
      const w = await this.worker(h, spec.jobModule);
      const result = await w.run(remote, progress);
      h.idle.push(w);
      if (result.mapOutput) this.outputHost.set(result.mapOutput.file, h);
      return result;
    } catch (err) {
      h.failures++;
      if (h.failures >= BLACKLIST_AFTER) this.blacklist(h, `${h.failures} task failures`);
      if (err instanceof AttemptFailure) throw err;
      throw new AttemptFailure(spec.attemptId, `${h.machine.name}: ${(err as Error).message}`, '');
    } finally {
      this.release(h, spec.type);
    }
  }

  /** Machines and their pids of live workers (for tests and status). */
  workers(): { machine: Machine; pids: number[]; busyPids: number[] }[] {
    const live = (h: HostState): WorkerProcess[] => h.all.filter((w) => !w.exited && w.pid !== undefined);
    return this.hosts.map((h) => ({ machine: h.machine, pids: live(h).map((w) => w.pid!), busyPids: live(h).filter((w) => w.busy).map((w) => w.pid!) }));
  }

  async close(): Promise<void> {
    await Promise.all(this.hosts.flatMap((h) => h.all.map((w) => (w.busy ? (w.kill(), Promise.resolve()) : w.stop()))));
    await Promise.all(
      this.hosts
        .filter((h) => !h.blacklisted)
        .map(async (h) => {
          const conn = await this.pool.get(h.machine).catch(() => undefined);
          for (const job of this.jobs) await conn?.run(`rm -rf ${shellQuote(this.jobDir(h, job))}`).catch(() => {});
        }),
    );
    await this.pool.closeAll();
  }
}
