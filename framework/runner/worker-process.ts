import { DEFAULT_TASK_TIMEOUT_MS } from './options.ts';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { TaskEvent, TaskResult, TaskSpec } from '../task/spec.ts';
import { AttemptFailure, AttemptKilled, attemptEnded, killReason, type AttemptProgress } from './types.ts';

export const WORKER_ENTRY = fileURLToPath(new URL('../task/worker-main.ts', import.meta.url));
/**
 * tsx's loader as an absolute URL: a bare `--import tsx` resolves from the worker's current directory,
 * which is the user's (anywhere), not this package's.
 */
const TSX_LOADER = import.meta.resolve('tsx');
/**
 * Node flags of every worker: a fixed young generation (steady peak RSS), gc between tasks. 16 MiB
 * semi-spaces (V8 reserves three: 48 MiB a worker): the 1M-document full build and the 512 MiB word
 * count ran as fast as with 64 MiB ones (21.1–21.9 s vs 21.0–22.3 s; 6.4 vs 6.5 s) in ~270 MiB less
 * memory for the two workers together (2026-12-02).
 */
// DEP0005: node-int64 (under the Parquet reader) still calls `new Buffer()`; the warning only buries a
// failing attempt's real stderr.
export const WORKER_NODE_FLAGS = ['--min-semi-space-size=16', '--max-semi-space-size=16', '--expose-gc', '--disable-warning=DEP0005'];
const TAIL_BYTES = 8 * 1024;
/** A worker that has not said hello by then is killed (its attempt fails, and is retried). */
const STARTUP_TIMEOUT_MS = 120_000;

/** The pipes of a worker, wherever it runs (a local child process or an SSH exec channel). */
export interface WorkerIo {
  readonly stdin: Writable;
  readonly stdout: Readable;
  readonly stderr: Readable;
  onExit(listener: (code: number | null, signal: string | null) => void): void;
  /** Kill at once (SIGKILL). */
  kill(): void;
}

/** Extra Node flags for local workers, for profiling (`BSCTL_WORKER_NODE_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/prof"`). */
const extraFlags = (): string[] => (process.env.BSCTL_WORKER_NODE_FLAGS ?? '').split(/\s+/).filter((f) => f.startsWith('--'));

/** A worker process on this machine (one started ahead by prestartLocalWorkers when there is one). */
export function spawnLocalWorker(): WorkerIo {
  return prestarted.shift() ?? startLocalWorker();
}

function startLocalWorker(): WorkerIo {
  const child = spawn(process.execPath, [...WORKER_NODE_FLAGS, ...extraFlags(), '--import', TSX_LOADER, WORKER_ENTRY], { stdio: ['pipe', 'pipe', 'pipe'] });
  // Remembered: a worker started ahead may end before anyone listens.
  let ended: [number | null, string | null] | undefined;
  child.on('exit', (code, signal) => (ended = [code, signal]));
  child.on('error', () => child.emit('exit', null, 'spawn failed'));
  return {
    stdin: child.stdin,
    stdout: child.stdout,
    stderr: child.stderr,
    onExit: (l) => (ended ? queueMicrotask(() => l(...ended!)) : child.on('exit', (code, signal) => l(code, signal))),
    kill: () => child.kill('SIGKILL'),
  };
}

/** Workers started before the job needs them, taken first by spawnLocalWorker. */
const prestarted: WorkerIo[] = [];

/**
 * Start `count` local workers now, so that their start-up (Node, tsx, the framework: about half a
 * second) overlaps the driver's own; `bsctl run` does this before it loads the job. Whatever the job
 * does not take is killed by releasePrestartedWorkers.
 */
export function prestartLocalWorkers(count: number): void {
  for (let i = prestarted.length; i < count; i++) prestarted.push(startLocalWorker());
}

/** Kill the started-ahead workers no runner took (the job needed fewer, or failed before its tasks). */
export function releasePrestartedWorkers(): void {
  for (const w of prestarted.splice(0)) {
    w.stdin.end();
    w.kill();
  }
}

interface Running {
  readonly spec: TaskSpec;
  readonly progress: AttemptProgress;
  readonly resolve: (r: TaskResult) => void;
  readonly reject: (e: Error) => void;
  tail: string;
  lastEvent: number;
  timer?: NodeJS.Timeout;
  /** Set when the attempt's signal killed the worker: the attempt ends as AttemptKilled. */
  killed?: string;
  /** Stops the timeout timer and the abort listener. */
  settle?: () => void;
  /** The attempt's own log (its whole stderr), when asked for. */
  log?: fs.WriteStream;
  logFile?: string;
  /** Told when the attempt says only its output's upload is left. */
  onUploading?: () => void;
  uploading?: boolean;
}

function openLog(file: string): fs.WriteStream {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  return fs.createWriteStream(file, { flags: 'a' }).on('error', () => {});
}

/** An attempt log that exists (empty: the attempt wrote nothing to stderr). */
function touchLog(file: string): void {
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.appendFileSync(file, '');
  } catch {
    // the error still names it; bsctl logs says it has none
  }
}

/** The same failure, naming the attempt's log file. */
function withLog(e: AttemptFailure, logFile: string): AttemptFailure {
  return new AttemptFailure(e.attemptId, `${e.message} (attempt log: ${logFile})`, e.stderrTail, e.errorName, e.errorStack, e.exit, e.deterministic);
}

/** One long-lived worker running attempts sequentially over the JSON-lines task protocol. */
export class WorkerProcess {
  private running: Running | undefined;
  /**
   * The attempt that ended last: stderr it wrote just before its end can arrive after the end event
   * (two pipes, read in no set order), and still goes to its log until the next attempt starts.
   */
  private previous: Running | undefined;
  exited = false;
  /** The worker's pid (from its hello), on whatever machine it runs. */
  pid: number | undefined;
  private readonly exitWaiters: (() => void)[] = [];

  /** Why the worker was killed, for the attempt's error. */
  private killedFor: string | undefined;
  private readonly spawnedAt = Date.now();

  /** `taskTimeoutMs`: kill an attempt that reports nothing (progress, heartbeat) for this long. */
  constructor(
    private readonly io: WorkerIo = spawnLocalWorker(),
    private readonly taskTimeoutMs = DEFAULT_TASK_TIMEOUT_MS,
  ) {
    readline.createInterface({ input: io.stdout, crlfDelay: Infinity }).on('line', (l) => this.onLine(l));
    io.stderr.setEncoding('utf8').on('data', (d: string) => this.appendTail(d));
    io.stdin.on('error', () => {});
    // The worker's stderr is over: its last attempt's log is complete.
    io.stderr.on('end', () => (this.running ?? this.previous)?.log?.end());
    io.onExit((code, signal) => {
      this.exited = true;
      for (const w of this.exitWaiters.splice(0)) w();
      const r = this.running;
      this.running = undefined;
      r?.settle?.();
      if (r?.killed !== undefined) return r.reject(attemptEnded(r.spec.attemptId, undefined, { reason: r.killed }));
      const how = this.killedFor ?? `worker process exited (${signal ?? `code ${code}`}) while running the attempt`;
      r?.reject(new AttemptFailure(r.spec.attemptId, how, r.tail, this.killedFor ? 'TaskTimeout' : undefined, undefined, { code, signal }));
    });
  }

  get busy(): boolean {
    return this.running !== undefined;
  }

  /** Busy with an attempt that is only uploading its output (it needs no CPU slot any more). */
  get uploading(): boolean {
    return this.running?.uploading === true;
  }

  private appendTail(text: string): void {
    const r = this.running ?? this.previous;
    if (!r) return;
    r.tail = (r.tail + text).slice(-TAIL_BYTES);
    if (r.logFile && !r.log) r.log = openLog(r.logFile);
    r.log?.write(text);
  }

  private onLine(line: string): void {
    // The worker starts every event on a line of its own: the empty line that makes is not job output.
    if (line === '') return;
    // Job output written without a newline may precede an event on the same line.
    const at = line.indexOf('{"bsctl":');
    if (at < 0) {
      this.appendTail(`${line}\n`);
      return;
    }
    if (at > 0) this.appendTail(line.slice(0, at));
    let event: TaskEvent;
    try {
      event = JSON.parse(line.slice(at)) as TaskEvent;
    } catch {
      this.appendTail(`${line}\n`);
      return;
    }
    if (event.bsctl === 'hello') {
      this.pid = event.pid;
      return;
    }
    const r = this.running;
    if (!r || r.spec.attemptId !== event.attemptId) return;
    r.lastEvent = Date.now();
    if (event.bsctl === 'progress') r.progress(event.fraction, event.bytes);
    else if (event.bsctl === 'uploading') {
      r.uploading = true;
      r.onUploading?.();
    } else {
      this.running = undefined;
      r.settle?.();
      if (event.bsctl === 'done') r.resolve(event.result);
      else r.reject(new AttemptFailure(r.spec.attemptId, event.error.message, r.tail, event.error.name, event.error.stack, undefined, event.error.deterministic === true));
    }
  }

  /**
   * Run one attempt. Aborting `signal` kills the worker (the pipes cannot interrupt a task) and the
   * attempt rejects with AttemptKilled; a signal already aborted rejects at once, sending nothing.
   */
  run(spec: TaskSpec, progress: AttemptProgress, signal?: AbortSignal, logFile?: string, onUploading?: () => void): Promise<TaskResult> {
    if (this.running) throw new Error('worker is busy');
    if (signal?.aborted) return Promise.reject(attemptEnded(spec.attemptId, undefined, signal));
    return new Promise<TaskResult>((resolve, reject) => {
      // The log is opened when the attempt first writes to stderr (most write nothing: a tiny task
      // should not pay for a file), and always exists once the attempt failed, naming it.
      const failed = (e: unknown): unknown => {
        if (!logFile || !(e instanceof AttemptFailure) || e instanceof AttemptKilled) return e;
        if (!running.log) touchLog(logFile);
        return withLog(e, logFile);
      };
      const running: Running = { spec, progress, resolve, reject: (e) => reject(failed(e)), tail: '', lastEvent: Date.now(), ...(logFile ? { logFile } : {}), ...(onUploading ? { onUploading } : {}) };
      running.timer = setInterval(
        () => {
          // A worker still starting up (no hello yet) is not running the task, but must start in time.
          if (this.pid === undefined) {
            // (Starting is not the task: a short --task-timeout does not shorten it.)
            if (Date.now() - this.spawnedAt <= STARTUP_TIMEOUT_MS) return void (running.lastEvent = Date.now());
            this.killedFor = `the worker did not start within ${STARTUP_TIMEOUT_MS / 1000} s (does the job module block at load?); it was killed`;
            return this.kill();
          }
          if (Date.now() - running.lastEvent <= this.taskTimeoutMs) return;
          this.killedFor = `task timed out: no progress for ${Math.round(this.taskTimeoutMs / 1000)} s (--task-timeout); the worker was killed`;
          this.kill();
        },
        Math.min(1000, Math.max(50, this.taskTimeoutMs / 4)),
      );
      const onAbort = (): void => {
        if (this.running !== running) return;
        running.killed = killReason(signal!);
        this.kill();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      running.settle = () => {
        this.previous = running;
        clearInterval(running.timer);
        signal?.removeEventListener('abort', onAbort);
      };
      this.previous?.log?.end();
      this.previous = undefined;
      this.running = running;
      this.io.stdin.write(`${JSON.stringify(spec)}\n`);
    });
  }

  kill(): void {
    if (!this.exited) this.io.kill();
  }

  /** Ask the worker to finish (stdin closed) and wait for it. */
  async stop(): Promise<void> {
    if (this.exited) return;
    const done = new Promise<void>((r) => this.exitWaiters.push(r));
    this.io.stdin.end();
    const timer = setTimeout(() => this.kill(), 5000);
    await done;
    clearTimeout(timer);
  }
}
