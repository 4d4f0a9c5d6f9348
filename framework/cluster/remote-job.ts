import { AttemptFailure, type KillCause } from '../runner/types.ts';
import type { WorkerProcess } from '../runner/worker-process.ts';
import type { InputSplit } from '../input/types.ts';
import type { JoinRuntime, TaskResult, TaskSpec } from '../task/spec.ts';
import { buildWorkerBundle, type WorkerBundle } from './bundle.ts';
import type { ClusterHosts, Host } from './hosts.ts';
import { runRemoteAttempt } from './remote-attempt.ts';
import { ShufflePrefetch } from './shuffle-prefetch.ts';
import { localFilesOf, shipCacheFile, shipSideFile, sideFileTarget, splitOnMachine } from './cache-files.ts';

/** The job's code could not be bundled: the driver's problem, never a machine's. */
export class BundleError extends Error {}

export interface RemoteJobOptions {
  readonly taskTimeoutMs: number;
  /** Root of the per-attempt stderr logs. */
  readonly userLogDir: string;
  /** Machines the job may still use (not blacklisted). */
  readonly usable: (h: Host) => boolean;
}

/** What the scheduler tells an attempt while it runs on its machine. */
export interface RemoteAttemptHooks {
  readonly signal: AbortSignal;
  readonly killed: () => KillCause;
  readonly onWorker: (w: WorkerProcess) => void;
  readonly progress: (fraction: number, bytes: number) => void;
}

/**
 * What one job has on the cluster's machines: its code bundle (built once per job, so an edited job
 * module ships its new code), where its map outputs are, and the early shuffle that copies them to
 * their reduces' machines while maps run. The scheduler decides where an attempt runs; this runs it.
 */
export class RemoteJob {
  /** Map output file → the machine holding it. */
  private readonly outputHost = new Map<string, Host>();
  /** Created with the first map output. */
  private prefetch: ShufflePrefetch | undefined;
  private bundle: Promise<WorkerBundle> | undefined;
  /** What was shipped to each machine for this job: `<machine>:<key>` → its path there. */
  private readonly cached = new Map<string, Promise<string>>();

  constructor(
    private readonly hosts: ClusterHosts,
    readonly jobId: string,
    private readonly options: RemoteJobOptions,
  ) {}

  /**
   * Run the attempt on machine `h` and remember where a map's output went. (bench:cluster replaces
   * it to time scheduling alone.)
   */
  async run(spec: TaskSpec, h: Host, hooks: RemoteAttemptHooks): Promise<TaskResult> {
    const { spec: onMachine, copies } = await this.withCacheOn(spec, h);
    const result = await this.runShipped(onMachine, copies, h, hooks);
    if (result.mapOutput) {
      this.outputHost.set(result.mapOutput.file, h);
      this.prefetch ??= new ShufflePrefetch(this.hosts, this.jobId, this.options.usable);
      this.prefetch.mapDone(h, result.mapOutput.segments);
    }
    return result;
  }

  /**
   * Run the attempt; bad records and errors naming a shipped copy of a side file name the user's file
   * instead (the copy is gone with the job dir).
   */
  private async runShipped(spec: TaskSpec, copies: ReadonlyMap<string, string>, h: Host, hooks: RemoteAttemptHooks): Promise<TaskResult> {
    const original = (text: string): string => {
      let out = text;
      for (const [copy, file] of copies) out = out.split(copy).join(file);
      return out;
    };
    try {
      const result = await this.attempt(spec, h, hooks);
      if (!copies.size || !result.badRecords?.length) return result;
      return { ...result, badRecords: result.badRecords.map((b) => ({ ...b, path: original(b.path) })) };
    } catch (err) {
      if (!copies.size || !(err instanceof AttemptFailure)) throw err;
      throw new AttemptFailure(err.attemptId, original(err.message), original(err.stderrTail), err.errorName, err.errorStack && original(err.errorStack), err.exit, err.deterministic);
    }
  }

  private attempt(spec: TaskSpec, h: Host, hooks: RemoteAttemptHooks): Promise<TaskResult> {
    return runRemoteAttempt({
      spec,
      host: h,
      hosts: this.hosts,
      bundle: this.workerBundle(spec.jobModule),
      taskTimeoutMs: this.options.taskTimeoutMs,
      userLogDir: this.options.userLogDir,
      outputHost: (f) => this.outputHost.get(f),
      copied: async (p, seg, x) => this.prefetch?.local(p, seg, x),
      ...hooks,
    });
  }

  /** Ship something to machine `h` once per job (`key` names it there); retried after a failure. */
  private once(h: Host, key: string, ship: () => Promise<string>): Promise<string> {
    const k = `${h.machine.name}:${key}`;
    let shipped = this.cached.get(k);
    if (!shipped) {
      shipped = ship();
      this.cached.set(k, shipped);
      shipped.catch(() => this.cached.delete(k));
    }
    return shipped;
  }

  /**
   * The spec as machine `h` reads it: its joins' cache files (its own, and those of the replicated joins
   * chained into its mappers), and a join side's local files (a reduce-side
   * join's side split, a merge join's partner partition), shipped
   * there first (once per job and machine) with the paths rewritten; the side is never assumed to be
   * on a path every machine sees (HDFS paths stay as they are).
   */
  private async withCacheOn(spec: TaskSpec, h: Host): Promise<{ spec: TaskSpec; copies: ReadonlyMap<string, string> }> {
    const jobDir = this.hosts.jobDir(h, this.jobId);
    const conn = (): ReturnType<ClusterHosts['connection']> => this.hosts.connection(h);
    const onHost = async (rt: JoinRuntime): Promise<JoinRuntime> => {
      const file = rt.cache;
      if (!file) return rt;
      const at = await this.once(h, file.hash, async () => shipCacheFile(await conn(), jobDir, file));
      return { ...rt, cache: { ...file, path: at } };
    };
    let out = spec;
    if (spec.join) out = { ...out, join: await onHost(spec.join) };
    if (out.type === 'map' && out.chain) out = { ...out, chain: await Promise.all(out.chain.map(async (c) => ({ ...c, join: await onHost(c.join) }))) };
    /** Shipped copy on the machine → the user's file. */
    const copies = new Map<string, string>();
    const onMachine = async (split: InputSplit): Promise<InputSplit> => {
      const files = localFilesOf(split);
      await Promise.all(files.map((f) => this.once(h, `side:${f}`, async () => shipSideFile(await conn(), jobDir, f))));
      for (const f of files) copies.set(sideFileTarget(jobDir, f), f);
      return files.length ? splitOnMachine(split, (f) => sideFileTarget(jobDir, f)) : split;
    };
    if (out.type === 'map' && out.joinSide === 'right') out = { ...out, split: await onMachine(out.split) };
    if (out.type === 'map' && out.joinPartner) out = { ...out, joinPartner: await onMachine(out.joinPartner) };
    return { spec: out, copies };
  }

  /** The machine reduce partition `p`'s map outputs are being gathered on, if any. */
  home(p: number): Host | undefined {
    return this.prefetch?.target(p);
  }

  /** Map output segments copied to their reduce's machine while maps ran, and how many reduces used. */
  get earlyShuffle(): { copied: number; used: number } {
    return { copied: this.prefetch?.copied ?? 0, used: this.prefetch?.used ?? 0 };
  }

  get shuffledEarly(): boolean {
    return this.prefetch !== undefined;
  }

  private workerBundle(jobModule: string): Promise<WorkerBundle> {
    if (!this.bundle) {
      this.bundle = buildWorkerBundle(jobModule).catch((err: unknown) => {
        this.bundle = undefined;
        throw new BundleError(`cannot bundle ${jobModule} for the machines: ${(err as Error).message}`);
      });
    }
    return this.bundle;
  }

  /** Stop the early shuffle (copies under way finish or are dropped). */
  async stopEarlyShuffle(): Promise<void> {
    await this.prefetch?.stop();
  }

  /** Remove the job's files from the machines. */
  async cleanup(): Promise<void> {
    await this.hosts.cleanupJob(this.jobId);
  }
}
