/**
 * The worker: reads task specs as JSON lines on stdin, runs them one after another, and reports
 * `{"bsctl":...}` JSON lines on stdout (first a `hello` with its pid). Anything the job prints goes to
 * stderr (console) or is passed through as a non-protocol line. Entry points: worker-main.ts (local,
 * through tsx) and the bundles the cluster runner ships to SSH hosts.
 */
import readline from 'node:readline';
import { exitWhenParentDies, exitWhenStdinEnds } from './orphan-watch.ts';
import { isDeterministic } from './deterministic.ts';
import { runTask } from './run-task.ts';
import type { TaskEvent, TaskSpec } from './spec.ts';

/**
 * Memory in use after a task (heap, and buffers outside it: a sort buffer is one) above which the
 * worker collects before the next (V8 collects young garbage anyway).
 */
const GC_AFTER_HEAP_BYTES = 96 * 1024 * 1024;

// Each event starts on a line of its own, whatever the job printed before it.
const emit = (e: TaskEvent): void => {
  process.stdout.write(`\n${JSON.stringify(e)}\n`);
};

export async function runWorker(): Promise<void> {
  console.log = console.error;
  console.info = console.error;
  console.debug = console.error;
  emit({ bsctl: 'hello', attemptId: '', pid: process.pid });
  // A worker whose driver died (kill -9, a lost SSH connection) exits instead of running on.
  let busy = false;
  exitWhenStdinEnds(() => busy);
  exitWhenParentDies();
  const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line.trim()) continue;
    const spec = JSON.parse(line) as TaskSpec;
    emit({ bsctl: 'progress', attemptId: spec.attemptId, fraction: 0, bytes: 0 });
    busy = true;
    try {
      const result = await runTask(spec, (fraction, bytes) => emit({ bsctl: 'progress', attemptId: spec.attemptId, fraction, bytes }), {
        uploading: () => {
          emit({ bsctl: 'uploading', attemptId: spec.attemptId });
          // The task's buffers are garbage now: collected before another task starts beside this one.
          (globalThis as { gc?: () => void }).gc?.();
        },
      });
      emit({ bsctl: 'done', attemptId: spec.attemptId, result });
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      emit({ bsctl: 'failed', attemptId: spec.attemptId, error: { name: e.name, message: e.message, ...(e.stack ? { stack: e.stack } : {}), ...(isDeterministic(e) ? { deterministic: true } : {}) } });
    } finally {
      busy = false;
    }
    // A big task's garbage is collected before the next starts, so a long-lived worker's peak memory
    // is that of its largest task, not of the garbage of all earlier ones. Not after every task: a full
    // collection costs milliseconds, most of a tiny task's time (5,120 tiny maps spent 2/3 of it there).
    const m = process.memoryUsage();
    if (m.heapUsed + m.external > GC_AFTER_HEAP_BYTES) (globalThis as { gc?: () => void }).gc?.();
  }
}
