export interface WaitOptions {
  /** What is awaited, for the error on timeout ("the worker to start"). */
  readonly what: string;
  /** Give up after this long, ms (default 30 000). A deadline, never an assertion on speed. */
  readonly timeoutMs?: number;
  /** Poll interval, ms (default 20). */
  readonly intervalMs?: number;
}

/**
 * Poll `cond` until it returns a value other than undefined, null or false, and resolve with that
 * value; reject with `timed out after N ms waiting for <what>` past the deadline. For tests that must
 * wait for an event (a worker started, a log line, a status) instead of sleeping a fixed time.
 */
export async function waitFor<T>(cond: () => T | undefined | null | false | Promise<T | undefined | null | false>, options: WaitOptions): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const intervalMs = options.intervalMs ?? 20;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await cond();
    if (v !== undefined && v !== null && v !== false) return v;
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${options.what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
