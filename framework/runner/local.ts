import { DEFAULT_TASK_TIMEOUT_MS } from './options.ts';
import os from 'node:os';
import { isLocal } from '../fs/resolve.ts';
import type { TaskResult, TaskSpec } from '../task/spec.ts';
import { attemptEnded, type AttemptOptions, type AttemptProgress, type TaskRunner } from './types.ts';
import { WorkerProcess } from './worker-process.ts';
import { attemptLogFile, defaultUserLogDir, pruneUserLogs } from './userlogs.ts';

/** A final output on a remote FileSystem: written locally, then uploaded (see OutputTask.uploading). */
const mayUpload = (spec: TaskSpec): boolean => spec.output?.kind === 'final' && !isLocal(spec.output.dir);

/**
 * Runs attempts in a pool of worker processes on this machine (default: one per core); each attempt's
 * stderr goes to its log, `<userLogDir>/<jobId>/<attemptId>.stderr` (kept 24 h, like the cluster's).
 */
export class LocalRunner implements TaskRunner {
  readonly name = 'local';
  private readonly workers: WorkerProcess[] = [];
  private closed = false;

  constructor(
    readonly slots: number = os.availableParallelism(),
    private readonly taskTimeoutMs = DEFAULT_TASK_TIMEOUT_MS,
    private readonly userLogDir = defaultUserLogDir(),
  ) {
    pruneUserLogs(userLogDir);
  }

  /** An idle worker, else a new one; a worker only uploading its attempt's output does not hold a slot. */
  private acquire(): WorkerProcess {
    const idle = this.workers.find((w) => !w.busy && !w.exited);
    if (idle) return idle;
    for (let i = this.workers.length - 1; i >= 0; i--) if (this.workers[i]!.exited) this.workers.splice(i, 1);
    if (this.workers.filter((w) => !w.uploading).length >= this.slots) throw new Error('local runner: no free worker (more attempts than slots)');
    const w = new WorkerProcess(undefined, this.taskTimeoutMs);
    this.workers.push(w);
    return w;
  }

  /** Aborting `options.signal` kills the attempt's worker; the attempt rejects with AttemptKilled. */
  async runAttempt(spec: TaskSpec, progress: AttemptProgress, options: AttemptOptions = {}): Promise<TaskResult> {
    if (this.closed) throw new Error('runner closed');
    if (options.signal?.aborted) throw attemptEnded(spec.attemptId, undefined, options.signal);
    const result = this.acquire().run(spec, progress, options.signal, attemptLogFile(this.userLogDir, spec.jobId, spec.attemptId), options.onUploading);
    options.onStart?.('localhost');
    if (mayUpload(spec)) this.keepSpare();
    return result;
  }

  /**
   * One idle worker booted ahead (at most slots + 1 in all): an attempt that uploads its output frees
   * its slot while its worker is still busy, and the next attempt then starts at once instead of after a
   * worker's start-up (about a second on a loaded machine).
   */
  private keepSpare(): void {
    const live = this.workers.filter((w) => !w.exited);
    if (live.some((w) => !w.busy) || live.length > this.slots) return;
    this.workers.push(new WorkerProcess(undefined, this.taskTimeoutMs));
  }

  /** Worker processes alive, started or still starting (a spare says hello only once booted). */
  get workerCount(): number {
    return this.workers.filter((w) => !w.exited).length;
  }

  /** Worker pids (for tests that kill workers). */
  get pids(): number[] {
    return this.workers.filter((w) => !w.exited && w.pid !== undefined).map((w) => w.pid!);
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.workers.map((w) => (w.busy ? (w.kill(), Promise.resolve()) : w.stop())));
  }
}
