import { InputError } from '../input/types.ts';

/**
 * Marks an error as deterministic: the task would fail the same way on any attempt, on any machine
 * (bad input, a schema or configuration error), so the phase fails the job at once instead of
 * retrying. A job marks its own errors with `deterministic(new Error(...))` or by giving them a
 * `deterministic: true` property. Environmental errors (a full disk, a lost machine) are not.
 */
export function deterministic<E extends Error>(err: E): E & { readonly deterministic: true } {
  return Object.assign(err, { deterministic: true as const });
}

/** True for InputError (bad input names its file and offset) and errors marked `deterministic`. */
export function isDeterministic(err: unknown): boolean {
  if (err instanceof InputError) return true;
  return typeof err === 'object' && err !== null && (err as { deterministic?: unknown }).deterministic === true;
}
