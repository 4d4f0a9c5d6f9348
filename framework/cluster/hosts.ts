import { currentOwner, type OwnerRecord } from '../fs/owner.ts';
import type { WorkerProcess } from '../runner/worker-process.ts';
import { shipBundle, type WorkerBundle } from './bundle.ts';
import type { ClusterConfig, Machine } from './config.ts';
import { startRemoteWorker } from './remote-worker.ts';
import { HostKeyError, shellQuote, SshPool, type SshConnection } from './ssh.ts';
import { checkJobId, jobDirOn, jobsRoot, sweepJobDirs, writeJobOwner } from './stale-job-dirs.ts';

export type SlotType = 'map' | 'reduce';

/** One machine as the scheduler sees it: its slots in use and its long-lived workers. */
export interface Host {
  readonly machine: Machine;
  readonly running: Record<SlotType, number>;
  /** Why the machine is unusable (unreachable), for every job; undefined when it is up. */
  down: string | undefined;
  /** Idle workers by bundle hash and task timeout (a worker runs only its own bundle's jobs). */
  readonly idle: Map<string, WorkerProcess[]>;
  readonly all: WorkerProcess[];
  /** Shipped bundles' remote paths, by hash: shipped once per machine however many slots start. */
  readonly shipped: Map<string, Promise<string>>;
}

export const slotsOf = (m: Machine, t: SlotType): number => (t === 'map' ? m.mapSlots : m.reduceSlots);

/**
 * The machines of a cluster config, shared by every job the scheduler runs: one pooled SSH connection
 * per machine, content-addressed worker bundles shipped once per machine, long-lived remote workers
 * reused across attempts (the shuffle between them is in shuffle-fetch.ts and shuffle-prefetch.ts).
 */
export class ClusterHosts {
  readonly hosts: Host[];
  private readonly pool = new SshPool();
  /** Jobs open on these machines: their driver's owner record, and its write into each machine's job dir. */
  private readonly owners = new Map<string, { readonly owner: OwnerRecord; readonly written: Map<string, Promise<void>> }>();
  /** What the sweeps of killed drivers' job dirs did, not yet logged by a job (see takeNotes). */
  private notes: string[] = [];

  constructor(readonly config: ClusterConfig) {
    this.hosts = config.machines.map((machine) => ({ machine, running: { map: 0, reduce: 0 }, down: undefined, idle: new Map(), all: [], shipped: new Map() }));
  }

  /**
   * Connect to every machine: a wrong host key throws; an unreachable machine is marked down. On each
   * machine reached, the job dirs that killed drivers left there are swept (stale-job-dirs.ts).
   */
  async connect(): Promise<void> {
    await Promise.all(
      this.hosts.map(async (h) => {
        let conn: SshConnection;
        try {
          conn = await this.pool.get(h.machine);
          h.down = undefined;
        } catch (err) {
          if (err instanceof HostKeyError) throw err;
          h.down = (err as Error).message;
          return;
        }
        await this.sweep(h, conn);
      }),
    );
  }

  private async sweep(h: Host, conn: SshConnection): Promise<void> {
    try {
      const swept = await sweepJobDirs(conn, h.machine.workDir);
      for (const r of swept.removed) this.notes.push(`${h.machine.name}: removed ${r.path}: ${r.why}`);
      for (const e of swept.errors) this.notes.push(`${h.machine.name}: could not clean ${e}`);
    } catch (err) {
      this.notes.push(`${h.machine.name}: could not clean ${jobsRoot(h.machine.workDir)}: ${(err as Error).message}`);
    }
  }

  /** Lines about the sweeps since the last call (a job's runner logs them as it starts). */
  takeNotes(): string[] {
    const n = this.notes;
    this.notes = [];
    return n;
  }

  capacity(t: SlotType, usable: (h: Host) => boolean = () => true): number {
    return this.hosts.filter((h) => !h.down && usable(h)).reduce((n, h) => n + slotsOf(h.machine, t), 0);
  }

  free(t: SlotType): Host[] {
    return this.hosts.filter((h) => !h.down && h.running[t] < slotsOf(h.machine, t));
  }

  connection(h: Host): Promise<SshConnection> {
    return this.pool.get(h.machine);
  }

  /** An idle worker of this job's bundle on `h`, or a new one (shipping the bundle first if needed). */
  async worker(h: Host, bundle: Promise<WorkerBundle>, taskTimeoutMs: number): Promise<{ worker: WorkerProcess; key: string }> {
    const b = await bundle;
    const key = `${b.hash}:${taskTimeoutMs}`;
    const idle = h.idle.get(key) ?? [];
    for (let w = idle.pop(); w; w = idle.pop()) if (!w.exited) return { worker: w, key };
    const conn = await this.connection(h);
    let shipped = h.shipped.get(b.hash);
    if (!shipped) {
      shipped = shipBundle(conn, b);
      h.shipped.set(b.hash, shipped);
      shipped.catch(() => h.shipped.delete(b.hash));
    }
    const worker = await startRemoteWorker(conn, await shipped, taskTimeoutMs);
    h.all.push(worker);
    for (let i = h.all.length - 1; i >= 0; i--) if (h.all[i]!.exited) h.all.splice(i, 1);
    return { worker, key };
  }

  /**
   * Give a worker back after its attempt. A machine keeps at most as many idle workers as it has
   * slots: past that, the oldest idle worker of another bundle (an earlier job's) is stopped first.
   */
  idleWorker(h: Host, key: string, w: WorkerProcess): void {
    if (w.exited) return;
    const list = h.idle.get(key) ?? [];
    list.push(w);
    h.idle.set(key, list);
    const cap = Math.max(1, h.machine.mapSlots + h.machine.reduceSlots);
    let idle = [...h.idle.values()].reduce((n, l) => n + l.length, 0);
    while (idle > cap) {
      const victims = [...h.idle.entries()].find(([k, l]) => k !== key && l.length > 0)?.[1] ?? list;
      void victims.shift()?.stop();
      idle--;
    }
    for (const [k, l] of h.idle) if (l.length === 0) h.idle.delete(k);
  }

  /**
   * A job starts on these machines: its dir on each reachable machine gets this process's owner
   * record first, so that if this process is killed, the next one to connect removes the dir.
   */
  async openJob(jobId: string): Promise<void> {
    checkJobId(jobId);
    if (!this.owners.has(jobId)) this.owners.set(jobId, { owner: currentOwner(jobId), written: new Map() });
    await Promise.all(
      this.hosts
        .filter((h) => !h.down)
        .map((h) => this.ownJobDir(h, jobId).catch((err: unknown) => void this.notes.push(`${h.machine.name}: no owner record in ${jobDirOn(h.machine.workDir, jobId)} (it stays after a kill of this process): ${(err as Error).message}`))),
    );
  }

  /** Write the open job's owner record into its dir on `h`, once (a machine that came up later gets it with its first file). */
  private ownJobDir(h: Host, jobId: string): Promise<void> {
    const open = this.owners.get(jobId);
    if (!open) return Promise.resolve();
    let written = open.written.get(h.machine.name);
    if (!written) {
      written = this.connection(h).then((conn) => writeJobOwner(conn, jobDirOn(h.machine.workDir, jobId), open.owner));
      open.written.set(h.machine.name, written);
      written.catch(() => open.written.delete(h.machine.name));
    }
    return written;
  }

  /** A job's dir on a machine (map outputs, shuffle copies, fetched segments); an open job's holds its owner record. */
  jobDir(h: Host, jobId: string): string {
    const dir = jobDirOn(h.machine.workDir, jobId);
    void this.ownJobDir(h, jobId).catch(() => {});
    return dir;
  }

  /** Remove a job's directory from every reachable machine (rename, then delete: no half-deleted dir keeps its name). */
  async cleanupJob(jobId: string): Promise<void> {
    checkJobId(jobId);
    const open = this.owners.get(jobId);
    this.owners.delete(jobId);
    if (open) await Promise.allSettled(open.written.values());
    await Promise.all(
      this.hosts
        .filter((h) => !h.down)
        .map(async (h) => {
          const conn = await this.connection(h).catch(() => undefined);
          const dir = jobDirOn(h.machine.workDir, jobId);
          const trash = `${jobsRoot(h.machine.workDir)}/.${jobId}.bsctl-trash-${process.pid}`;
          await conn?.run(`if [ -e ${shellQuote(dir)} ]; then mv -- ${shellQuote(dir)} ${shellQuote(trash)}; fi; rm -rf -- ${shellQuote(trash)}`).catch(() => {});
        }),
    );
  }

  /** Machines and the pids of their live workers (for tests and status). */
  workers(): { machine: Machine; pids: number[]; busyPids: number[] }[] {
    const live = (h: Host): WorkerProcess[] => h.all.filter((w) => !w.exited && w.pid !== undefined);
    return this.hosts.map((h) => ({ machine: h.machine, pids: live(h).map((w) => w.pid!), busyPids: live(h).filter((w) => w.busy).map((w) => w.pid!) }));
  }

  async close(): Promise<void> {
    await Promise.all(this.hosts.flatMap((h) => h.all.map((w) => (w.busy ? (w.kill(), Promise.resolve()) : w.stop()))));
    await this.pool.closeAll();
  }
}
