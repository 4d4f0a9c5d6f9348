import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';

export interface Timed {
  readonly seconds: number;
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Peak of the summed resident memory of the command and all its descendants, bytes (sampled). */
  readonly treeRss: number;
}

const PAGE = 4096;
const SAMPLE_MS = 100;

/** Parent pid and resident bytes of every process, from /proc (empty where /proc is absent). */
function processTable(): Map<number, { ppid: number; rss: number }> {
  const out = new Map<number, { ppid: number; rss: number }>();
  let names: string[];
  try {
    names = fs.readdirSync('/proc');
  } catch {
    return out;
  }
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      // Fields after the command name (which may hold spaces) start at state; ppid is next, rss the 22nd after.
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(Number(name), { ppid: Number(rest[1]), rss: Number(rest[21]) * PAGE });
    } catch {
      // the process ended while we looked
    }
  }
  return out;
}

/** Summed resident bytes of `root` and its descendants now. */
export function treeRssNow(root: number): number {
  const table = processTable();
  const children = new Map<number, number[]>();
  for (const [pid, p] of table) children.set(p.ppid, [...(children.get(p.ppid) ?? []), pid]);
  let sum = 0;
  const stack = [root];
  while (stack.length) {
    const pid = stack.pop()!;
    sum += table.get(pid)?.rss ?? 0;
    stack.push(...(children.get(pid) ?? []));
  }
  return sum;
}

/** Run a command, returning wall time, output and the peak RSS of its process tree. */
export function timed(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env, cwd?: string): Promise<Timed> {
  const start = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let treeRss = 0;
    const sampler = setInterval(() => {
      if (child.pid !== undefined) treeRss = Math.max(treeRss, treeRssNow(child.pid));
    }, SAMPLE_MS);
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (e) => {
      clearInterval(sampler);
      reject(e);
    });
    child.on('close', (code) => {
      clearInterval(sampler);
      resolve({ seconds: Number(process.hrtime.bigint() - start) / 1e9, code, stdout, stderr, treeRss });
    });
  });
}

export const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/** The line every benchmark prints first: the machine and its load average, so noisy runs can be told apart. */
export function machineLine(extra = ''): string {
  const load = os.loadavg().map((l) => l.toFixed(2)).join(' ');
  return `machine: ${os.cpus().length} cores, ${mib(os.totalmem())} RAM, node ${process.version}; load average at start ${load} (1/5/15 min)${extra ? `; ${extra}` : ''}`;
}
