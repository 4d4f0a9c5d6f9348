/**
 * A worker whose driver is gone exits instead of finishing its task for nobody (Hadoop's child JVM
 * pings its TaskTracker over the umbilical and exits when that fails).
 *
 * Two signs, because a task may starve the event loop (a synchronous map):
 * - stdin ends: the driver closed the pipe or died (locally its end of the pipe closes; over SSH the
 *   channel closes). Seen on the event loop: between records, or when idle.
 * - the parent process changes: the driver (local) or the SSH session's sshd (remote) died and the
 *   worker was re-parented. Polled on a small watchdog thread with its own event loop, which works
 *   even while the main thread never yields; it SIGKILLs the process (the main thread cannot be
 *   asked to exit while it is blocked).
 */
import fs from 'node:fs';
import { Worker } from 'node:worker_threads';

/** How often the watchdog thread looks at the parent pid. */
const POLL_MS = 200;

// CommonJS run by the thread itself (eval): no file to ship, nothing for the cluster bundle to resolve.
const WATCHDOG = `
const fs = require('node:fs');
const { workerData } = require('node:worker_threads');
setInterval(() => {
  if (process.ppid === workerData.parent) return;
  try { fs.writeSync(2, '\\nbsctl worker ' + process.pid + ': parent process ' + workerData.parent + ' is gone; exiting\\n'); } catch {}
  process.kill(process.pid, 'SIGKILL');
}, workerData.pollMs);
`;

/** Exit (SIGKILL) as soon as the parent process is gone, whatever the main thread is doing. */
export function exitWhenParentDies(): void {
  const parent = process.ppid;
  // Already re-parented to init: nothing to watch (stdin's end still tells).
  if (parent <= 1) return;
  const thread = new Worker(WATCHDOG, {
    eval: true,
    workerData: { parent, pollMs: POLL_MS },
    // Not the worker's own flags (--import tsx would load the TypeScript loader into the thread too).
    execArgv: [],
    resourceLimits: { maxOldGenerationSizeMb: 4, maxYoungGenerationSizeMb: 1, stackSizeMb: 1 },
  });
  // The watchdog never keeps the worker alive, and a failing watchdog never fails the worker.
  thread.unref();
  thread.on('error', () => {});
}

/**
 * When stdin ends while `busy()` says a task runs, exit at once (the task's result has no one to go
 * to). An idle worker ends its read loop and exits by itself; `fallbackMs` later it exits anyway, in
 * case something the job opened keeps the event loop alive.
 */
export function exitWhenStdinEnds(busy: () => boolean, fallbackMs = 2000): void {
  let seen = false;
  const gone = (): void => {
    if (seen) return;
    seen = true;
    if (busy()) {
      try {
        fs.writeSync(2, `\nbsctl worker ${process.pid}: the driver closed the task channel during a task; exiting\n`);
      } catch {
        // stderr went with the driver
      }
      process.exit(1);
    }
    setTimeout(() => process.exit(0), fallbackMs).unref();
  };
  process.stdin.once('end', gone);
  process.stdin.once('close', gone);
}
