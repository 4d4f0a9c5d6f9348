import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from './cli.ts';

interface LockEntry {
  readonly dev?: boolean;
  readonly [key: string]: unknown;
}
interface Lock {
  readonly packages: Record<string, LockEntry>;
}

/** The environment of an npm/npx child, without the npm_* settings of an `npm test` that may run us. */
export function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { NO_COLOR: '1' };
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k)) env[k] = v;
  return env;
}

function npm(args: readonly string[], cwd: string): string {
  const r = spawnSync('npm', args, { cwd, encoding: 'utf8', env: cleanEnv() });
  if (r.status !== 0) throw new Error(`npm ${args.join(' ')} (in ${cwd}) failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/**
 * `npm pack` this repository, and install the tarball offline into a fresh project in `dir` the way a
 * user would. npm resolves a tarball's dependencies from full registry metadata, which the local cache
 * does not hold, so the project gets a lockfile first: the tarball plus the repository's own
 * (non-dev) lockfile entries, whose tarballs are in the cache. Returns the tarball's file names.
 */
export function installPackedBsctl(dir: string): string[] {
  const [packed] = JSON.parse(npm(['pack', '--json', '--pack-destination', dir], ROOT)) as { filename: string; files: { path: string }[] }[];
  const tarball = path.join(dir, packed!.filename);
  const spec = `file:${path.basename(tarball)}`;
  const lock = JSON.parse(fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as Lock;
  const self = lock.packages['']!;
  const packages: Record<string, unknown> = {
    '': { name: 'my-jobs', version: '1.0.0', dependencies: { bsctl: spec } },
    'node_modules/bsctl': {
      version: self.version,
      resolved: spec,
      integrity: `sha512-${createHash('sha512').update(fs.readFileSync(tarball)).digest('base64')}`,
      license: self.license,
      dependencies: self.dependencies,
      bin: self.bin,
      engines: self.engines,
    },
  };
  for (const [key, entry] of Object.entries(lock.packages)) if (key && !entry.dev) packages[key] = entry;
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'my-jobs', version: '1.0.0', private: true, dependencies: { bsctl: spec } }, null, 2));
  fs.writeFileSync(path.join(dir, 'package-lock.json'), JSON.stringify({ name: 'my-jobs', version: '1.0.0', lockfileVersion: 3, requires: true, packages }, null, 2));
  npm(['install', '--offline', '--no-audit', '--no-fund', path.basename(tarball)], dir);
  return packed!.files.map((f) => f.path);
}
