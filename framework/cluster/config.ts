import fs from 'node:fs';
import path from 'node:path';

/** One machine of the pool. */
export interface Machine {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly identityFile: string;
  /** Pinned host key, `ssh-ed25519 AAAA...` (or use knownHosts). */
  readonly hostKey?: string;
  /** An OpenSSH known_hosts file to verify the host key against. */
  readonly knownHosts?: string;
  readonly mapSlots: number;
  readonly reduceSlots: number;
  /** Directory on the machine for shipped code, map outputs and fetched segments. */
  readonly workDir: string;
}

export interface ClusterConfig {
  readonly file: string;
  readonly machines: readonly Machine[];
  /** The scheduler daemon's address, e.g. http://127.0.0.1:50030 (optional). */
  readonly scheduler?: string;
  /** The MR1 allocation file (fair-scheduler.xml), resolved against the config's directory. */
  readonly allocations?: string;
}

/** Read and validate a cluster config (errors name the file and the config key). */
export function loadClusterConfig(file: string): ClusterConfig {
  const f = path.resolve(file);
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(f, 'utf8'));
  } catch (err) {
    throw new Error(`${f}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such cluster config' : `invalid JSON: ${(err as Error).message}`}`);
  }
  const fail = (key: string, why: string): never => {
    throw new Error(`${f}: ${key}: ${why}`);
  };
  const machines = (raw as { machines?: unknown }).machines;
  if (!Array.isArray(machines) || machines.length === 0) fail('machines', 'must be a non-empty list');
  const names = new Set<string>();
  const out = (machines as unknown[]).map((m, i): Machine => {
    const key = (k: string): string => `machines[${i}].${k}`;
    if (typeof m !== 'object' || m === null) return fail(`machines[${i}]`, 'must be an object');
    const r = m as Record<string, unknown>;
    const str = (k: string, required = true): string | undefined => {
      const v = r[k];
      if (v === undefined && !required) return undefined;
      if (typeof v !== 'string' || !v) return fail(key(k), 'must be a non-empty string');
      return v;
    };
    const int = (k: string, dflt: number, min: number): number => {
      const v = r[k] ?? dflt;
      if (!Number.isInteger(v) || (v as number) < min) return fail(key(k), `must be a whole number ≥ ${min}`);
      return v as number;
    };
    const host = str('host')!;
    const name = str('name', false) ?? `${host}:${int('port', 22, 1)}`;
    if (names.has(name)) fail(key('name'), `duplicate machine name "${name}"`);
    names.add(name);
    const hostKey = str('hostKey', false);
    const knownHosts = str('knownHosts', false);
    if (!hostKey && !knownHosts) fail(key('hostKey'), 'give a pinned hostKey or a knownHosts file (host keys are always verified)');
    if (hostKey && !/^ssh-[\w-]+ [A-Za-z0-9+/=]+$|^ecdsa-[\w-]+ [A-Za-z0-9+/=]+$/.test(hostKey.trim())) fail(key('hostKey'), 'must look like "ssh-ed25519 AAAA..."');
    const workDir = str('workDir')!;
    // A path on the machine, spliced (quoted) into shell commands there: absolute, plain characters, no '..'.
    if (!/^\/[A-Za-z0-9_.\/-]*$/.test(workDir) || workDir.split('/').includes('..')) fail(key('workDir'), 'must be an absolute path of letters, digits, _ . - and / (no ..)');
    return {
      name,
      host,
      port: int('port', 22, 1),
      user: str('user')!,
      identityFile: str('identityFile')!,
      ...(hostKey ? { hostKey: hostKey.trim() } : {}),
      ...(knownHosts ? { knownHosts } : {}),
      mapSlots: int('mapSlots', 2, 0),
      reduceSlots: int('reduceSlots', 1, 0),
      workDir,
    };
  });
  const top = raw as { scheduler?: unknown; allocations?: unknown };
  if (top.scheduler !== undefined && (typeof top.scheduler !== 'string' || !/^https?:\/\/[^/]+/.test(top.scheduler))) fail('scheduler', 'must be an http://host:port address');
  if (top.allocations !== undefined && (typeof top.allocations !== 'string' || !top.allocations)) fail('allocations', 'must be a file path');
  return {
    file: f,
    machines: out,
    ...(typeof top.scheduler === 'string' ? { scheduler: top.scheduler } : {}),
    ...(typeof top.allocations === 'string' ? { allocations: path.resolve(path.dirname(f), top.allocations) } : {}),
  };
}
