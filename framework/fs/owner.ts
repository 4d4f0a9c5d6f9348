import fs from 'node:fs';
import os from 'node:os';

/**
 * Who created something bsctl may later clean up or take over (a staging dir, a work dir, a table
 * lock): host, pid and the process's start time, so a recycled pid is not mistaken for the owner.
 */
export interface OwnerRecord {
  readonly host: string;
  readonly pid: number;
  /** The process's start time in clock ticks since boot (/proc/<pid>/stat), '' where unknown. */
  readonly start: string;
  readonly createdAt: number;
  /** What the owner was doing (a job id), for messages. */
  readonly job?: string;
}

/** A process's start time, or undefined when it does not exist (or /proc is unreadable). */
function startTimeOf(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22 (starttime), counted after the command name in parentheses, which may hold spaces.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function currentOwner(job?: string): OwnerRecord {
  return { host: os.hostname(), pid: process.pid, start: startTimeOf(process.pid) ?? '', createdAt: Date.now(), ...(job ? { job } : {}) };
}

/**
 * 'alive' while the owning process runs, 'dead' once it is gone (or its pid now names another
 * process), 'unknown' for an owner on another host (it cannot be checked from here).
 */
export function ownerState(owner: OwnerRecord): 'alive' | 'dead' | 'unknown' {
  if (owner.host !== os.hostname()) return 'unknown';
  if (owner.pid === process.pid && owner.start === currentOwner().start) return 'alive';
  if (!pidAlive(owner.pid)) return 'dead';
  const start = startTimeOf(owner.pid);
  if (owner.start && start !== undefined && start !== owner.start) return 'dead';
  return 'alive';
}

/** Parse an owner record written by `JSON.stringify(currentOwner())`; undefined if it is not one. */
export function parseOwner(text: string | undefined): OwnerRecord | undefined {
  if (!text) return undefined;
  try {
    const o = JSON.parse(text) as Partial<OwnerRecord>;
    if (typeof o.host === 'string' && Number.isInteger(o.pid) && typeof o.start === 'string' && typeof o.createdAt === 'number') return o as OwnerRecord;
  } catch {
    // not an owner record
  }
  return undefined;
}

export function describeOwner(o: OwnerRecord): string {
  return `pid ${o.pid} on ${o.host}${o.job ? ` (${o.job})` : ''}, since ${new Date(o.createdAt).toISOString()}`;
}
