import type { Host } from '../cluster/hosts.ts';

/** Task failures on one machine before it is blacklisted for the job (Hadoop's default). */
export const BLACKLIST_AFTER = 3;

/** One job's machine blacklist (per job, as in Hadoop): machines down or failing its tasks. */
export class JobBlacklist {
  /** Machine name → why it is blacklisted. */
  readonly machines = new Map<string, string>();
  /** This job's task failures per machine name (placement avoids machines that failed). */
  readonly failures = new Map<string, number>();

  has(h: Host): boolean {
    return this.machines.has(h.machine.name);
  }

  /** Blacklist `h`; false when it already was. */
  add(h: Host, why: string): boolean {
    if (this.has(h)) return false;
    this.machines.set(h.machine.name, why);
    return true;
  }

  /** A task of the job failed on `h` (the machine's fault): the reason to blacklist it, once it is due. */
  taskFailed(h: Host): string | undefined {
    const n = (this.failures.get(h.machine.name) ?? 0) + 1;
    this.failures.set(h.machine.name, n);
    return n >= BLACKLIST_AFTER ? `${n} task failures` : undefined;
  }
}
