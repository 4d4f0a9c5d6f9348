import test from 'ava';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from './cli.ts';
import { isCi } from './shared-fixtures.ts';

// The real YARN `npm test` starts (scripts/test.js: scripts/yarn, a ResourceManager with the
// FairScheduler and a NodeManager on the test HDFS, all on loopback) and what the tests do with it.

export interface TestYarn {
  /** The ResourceManager's REST API, e.g. http://127.0.0.1:20088 ($BSCTL_YARN_WEB). */
  readonly web: string;
  /** Its state dir ($BSCTL_YARN_DIR): containers run under it. */
  readonly dir: string;
}

/**
 * The test YARN, from $BSCTL_TEST_YARN=1 and $BSCTL_YARN_WEB. Without one: undefined, and a test is
 * registered that says so — skipped, or failing under CI=true or when scripts/test.js could not start it.
 * Call it at the top level of a test file.
 */
export function testYarn(): TestYarn | undefined {
  const web = process.env.BSCTL_YARN_WEB;
  const flag = process.env.BSCTL_TEST_YARN;
  if (flag === '1' && web && process.env.BSCTL_YARN_DIR) return { web, dir: process.env.BSCTL_YARN_DIR };
  const message = 'no test YARN: run `npm test` (it starts one), or `scripts/hdfs start`, `scripts/yarn start` and export BSCTL_TEST_YARN=1, BSCTL_YARN_DIR plus `scripts/yarn env`';
  if (flag === 'start-failed') test('a test YARN is running', (t) => t.fail('scripts/test.js could not start the test YARN: see `scripts/yarn start` in its output'));
  else if (isCi()) test('a test YARN is running', (t) => t.fail(`${message}; CI=true: a missing YARN fails the run`));
  else test.skip(`YARN tests skipped: ${message}`, () => {});
  return undefined;
}

export interface ScriptRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** `scripts/yarn ARGS` with the test YARN's state dir and ports (from the environment), asynchronously. */
export function yarnScript(args: readonly string[], onSpawn?: (pid: number) => void, env: Readonly<Record<string, string>> = {}): Promise<ScriptRun> {
  return new Promise((resolve, reject) => {
    const c = spawn(path.join(ROOT, 'scripts/yarn'), args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    c.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    c.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    c.on('error', reject);
    if (c.pid !== undefined) onSpawn?.(c.pid);
    c.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** GET a ResourceManager REST resource as JSON. */
export async function rmJson<T>(yarn: TestYarn, resource: string): Promise<T> {
  const res = await fetch(`${yarn.web}${resource}`, { headers: { Accept: 'application/json' } });
  if (res.status !== 200) throw new Error(`GET ${resource}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** Pids of the processes running under the YARN state dir (daemons and containers), from /proc. */
export function yarnPids(dir: string): number[] {
  const pids: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(dir)) pids.push(Number(name));
    } catch {
      // gone
    }
  }
  return pids;
}

/** Local addresses the given processes listen on (TCP, from /proc/<pid>/net/tcp{,6} and their fds). */
export function listeningAddresses(pids: readonly number[]): string[] {
  const out = new Set<string>();
  for (const pid of pids) {
    let inodes: Set<string>;
    try {
      inodes = new Set(fs.readdirSync(`/proc/${pid}/fd`).map((fd) => { try { return fs.readlinkSync(`/proc/${pid}/fd/${fd}`); } catch { return ''; } }).filter((l) => l.startsWith('socket:[')).map((l) => l.slice(8, -1)));
    } catch {
      continue;
    }
    for (const table of ['tcp', 'tcp6']) {
      let text: string;
      try {
        text = fs.readFileSync(`/proc/${pid}/net/${table}`, 'utf8');
      } catch {
        continue;
      }
      for (const line of text.split('\n').slice(1)) {
        const f = line.trim().split(/\s+/);
        // st 0A = LISTEN; local address is hex IP:port.
        if (f.length > 9 && f[3] === '0A' && inodes.has(f[9]!)) out.add(`${table}:${hexAddress(f[1]!)}`);
      }
    }
  }
  return [...out].sort();
}

function hexAddress(hex: string): string {
  const [ip, port] = hex.split(':') as [string, string];
  const p = parseInt(port, 16);
  if (ip.length === 8) return `${[0, 1, 2, 3].map((i) => parseInt(ip.slice(6 - 2 * i, 8 - 2 * i), 16)).join('.')}:${p}`;
  return `[${ip}]:${p}`;
}
