import { spawn, type ChildProcess } from 'node:child_process';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { TaskEvent, TaskResult, TaskSpec } from '../task/spec.ts';
import { AttemptFailure, type AttemptProgress } from './types.ts';

export const WORKER_ENTRY = fileURLToPath(new URL('../task/worker.ts', import.meta.url));
const TAIL_BYTES = 8 * 1024;

interface Running {
  readonly spec: TaskSpec;
  readonly progress: AttemptProgress;
  readonly resolve: (r: TaskResult) => void;
  readonly reject: (e: Error) => void;
  tail: string;
}

/** One long-lived worker process running attempts sequentially over the JSON-lines task protocol. */
export class WorkerProcess {
  private readonly child: ChildProcess;
  private running: Running | undefined;
  exited = false;

  constructor() {
    this.child = spawn(process.execPath, ['--min-semi-space-size=64', '--max-semi-space-size=64', '--expose-gc', '--import', 'tsx', WORKER_ENTRY], { stdio: ['pipe', 'pipe', 'pipe'] });
    readline.createInterface({ input: this.child.stdout!, crlfDelay: Infinity }).on('line', (l) => this.onLine(l));
    this.child.stderr!.setEncoding('utf8').on('data', (d: string) => this.appendTail(d));
    this.child.stdin!.on('error', () => {});
    this.child.on('exit', (code, signal) => {
      this.exited = true;
      const r = this.running;
      this.running = undefined;
      r?.reject(
        new AttemptFailure(r.spec.attemptId, `worker process exited (${signal ?? `code ${code}`}) while running the attempt`, r.tail, undefined, undefined, {
          code,
          signal,
        }),
      );
    });
  }

  get busy(): boolean {
    return this.running !== undefined;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  private appendTail(text: string): void {
    if (!this.running) return;
    this.running.tail = (this.running.tail + text).slice(-TAIL_BYTES);
  }

  private onLine(line: string): void {
    if (!line.startsWith('{"bsctl":')) {
      this.appendTail(`${line}\n`);
      return;
    }
    const event = JSON.parse(line) as TaskEvent;
    const r = this.running;
    if (!r || r.spec.attemptId !== event.attemptId) return;
    if (event.bsctl === 'progress') r.progress(event.fraction, event.bytes);
    else {
      this.running = undefined;
      if (event.bsctl === 'done') r.resolve(event.result);
      else r.reject(new AttemptFailure(r.spec.attemptId, event.error.message, r.tail, event.error.name, event.error.stack));
    }
  }

  run(spec: TaskSpec, progress: AttemptProgress): Promise<TaskResult> {
    if (this.running) throw new Error('worker is busy');
    return new Promise<TaskResult>((resolve, reject) => {
      this.running = { spec, progress, resolve, reject, tail: '' };
      this.child.stdin!.write(`${JSON.stringify(spec)}\n`);
    });
  }

  kill(): void {
    if (!this.exited) this.child.kill('SIGKILL');
  }

  /** Ask the worker to finish (stdin closed) and wait for it. */
  async stop(): Promise<void> {
    if (this.exited) return;
    const done = new Promise<void>((r) => this.child.once('exit', () => r()));
    this.child.stdin!.end();
    const timer = setTimeout(() => this.kill(), 5000);
    await done;
    clearTimeout(timer);
  }
}
