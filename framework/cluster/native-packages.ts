import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { shellQuote, type SshConnection } from './ssh.ts';

/** An npm package with a native addon that the worker bundle imports but cannot contain. */
export interface NativePackage {
  readonly name: string;
  readonly dir: string;
  /** Content hash of all its files: a machine holding this version is not sent it again. */
  readonly hash: string;
  readonly files: readonly string[];
}

const MARKER = '.bsctl-content-hash';

function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

function walk(dir: string, rel = ''): string[] {
  return fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).flatMap((e) => {
    const r = rel ? `${rel}/${e.name}` : e.name;
    return e.isDirectory() ? walk(dir, r) : e.isFile() ? [r] : [];
  });
}

/**
 * The directory of package `name` as `from` resolves it: through its package.json, or, when the
 * package's `exports` do not list package.json (lz4-napi), up from its entry point to the package.json
 * that names it.
 */
function packageDir(name: string, from: NodeRequire): string | undefined {
  try {
    return path.dirname(from.resolve(`${name}/package.json`));
  } catch {
    // not exported: look from the entry point
  }
  let entry: string;
  try {
    entry = from.resolve(name);
  } catch {
    return undefined;
  }
  for (let dir = path.dirname(entry); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (!fs.existsSync(manifest)) continue;
    if ((JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name?: string }).name === name) return dir;
  }
  return undefined;
}

function describe(name: string, from: NodeRequire): NativePackage | undefined {
  const dir = packageDir(name, from);
  if (!dir) return undefined;
  const files = walk(dir).sort();
  const h = createHash('sha256');
  for (const f of files) h.update(f).update('\0').update(fs.readFileSync(path.join(dir, f)));
  return { name, dir, hash: h.digest('hex').slice(0, 24), files };
}

/**
 * The packages behind a bundle's external imports, with the platform packages they load their
 * binary from (their optionalDependencies installed here): what a machine needs beside the bundle.
 * They are this machine's builds, so the machines must share its platform (OS, CPU, libc).
 */
export function nativePackages(externalImports: readonly string[], projectDir: string): NativePackage[] {
  const from = createRequire(path.join(projectDir, 'package.json'));
  const names = new Set(externalImports.filter((s) => !s.startsWith('node:') && !s.startsWith('.')).map(packageName));
  const out: NativePackage[] = [];
  for (const name of names) {
    const pkg = describe(name, from);
    if (!pkg) continue;
    out.push(pkg);
    const optional = (JSON.parse(fs.readFileSync(path.join(pkg.dir, 'package.json'), 'utf8')) as { optionalDependencies?: Record<string, string> }).optionalDependencies ?? {};
    for (const dep of Object.keys(optional)) {
      const p = describe(dep, createRequire(path.join(pkg.dir, 'package.json')));
      if (p) out.push(p);
    }
  }
  return out;
}

/**
 * Put the packages under `<workDir>/node_modules` on a machine (bundles in `<workDir>/bundles/` resolve
 * them there), unless it already has the same content; each is replaced in one rename.
 */
export async function shipNativePackages(conn: SshConnection, packages: readonly NativePackage[]): Promise<void> {
  const sftp = await conn.sftp();
  for (const pkg of packages) {
    const target = `${conn.machine.workDir}/node_modules/${pkg.name}`;
    const have = await conn.run(`cat ${shellQuote(`${target}/${MARKER}`)} 2>/dev/null; true`);
    if (have.trim() === pkg.hash) continue;
    const tmp = `${target}.${randomBytes(4).toString('hex')}.tmp`;
    const dirs = [...new Set(pkg.files.map((f) => path.posix.dirname(`${tmp}/${f}`)))];
    await conn.run(`mkdir -p ${dirs.map(shellQuote).join(' ')}`);
    for (const f of pkg.files) {
      await new Promise<void>((resolve, reject) => sftp.fastPut(path.join(pkg.dir, f), `${tmp}/${f}`, (err) => (err ? reject(err) : resolve())));
    }
    await new Promise<void>((resolve, reject) => sftp.writeFile(`${tmp}/${MARKER}`, pkg.hash, (err) => (err ? reject(err) : resolve())));
    await conn.run(`rm -rf ${shellQuote(target)} && mv ${shellQuote(tmp)} ${shellQuote(target)}`);
  }
}
