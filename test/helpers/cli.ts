import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BSCTL = path.join(ROOT, 'bin/bsctl.js');

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * A test's own TMPDIR (its work root is `$TMPDIR/bsctl-<uid>`) gets a link to the suite's tsx cache:
 * tsx keeps its transform cache in `os.tmpdir()/tsx-<uid>`, so without the link every bsctl process and
 * local worker there transpiles the framework afresh (~0.5 s of CPU each). Only into a TMPDIR that exists.
 */
export function shareTsxCache(tmpdir: string | undefined): void {
  if (!tmpdir || path.resolve(tmpdir) === path.resolve(os.tmpdir()) || !fs.existsSync(tmpdir)) return;
  const name = `tsx-${process.geteuid?.() ?? os.userInfo().username}`;
  const link = path.join(tmpdir, name);
  if (fs.existsSync(link)) return;
  try {
    fs.mkdirSync(path.join(os.tmpdir(), name), { recursive: true });
    fs.symlinkSync(path.join(os.tmpdir(), name), link);
  } catch {
    // A full or read-only TMPDIR (a test of exactly that): tsx works without its cache.
  }
}

/** Run the real `bsctl` binary (optionally through a wrapper such as setpriv). */
export function bsctl(args: readonly string[], options: { cwd?: string; wrapper?: readonly string[] } = {}): CliResult {
  for (const w of options.wrapper ?? []) if (w.startsWith('TMPDIR=')) shareTsxCache(w.slice('TMPDIR='.length));
  const argv = [...(options.wrapper ?? []), process.execPath, BSCTL, ...args];
  const r = spawnSync(argv[0]!, argv.slice(1), { cwd: options.cwd ?? ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Run `bsctl` without blocking the test (for jobs that must run at the same time). */
export function bsctlAsync(args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<CliResult> {
  shareTsxCache(env.TMPDIR);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BSCTL, ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export interface Started {
  readonly child: import('node:child_process').ChildProcess;
  readonly done: Promise<CliResult>;
  /** The stderr so far. */
  stderr(): string;
}

/** Start `bsctl` and follow it (its stderr so far, its end), with extra environment. */
export function bsctlStart(args: readonly string[], env: Readonly<Record<string, string>> = {}): Started {
  shareTsxCache(env.TMPDIR);
  const child = spawn(process.execPath, [BSCTL, ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1', ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const done = new Promise<CliResult>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return { child, done, stderr: () => stderr };
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `bsctl-${prefix}-`));
}

/** Lines of the stderr that are errors (`bsctl: ...`). */
export function errorLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l.startsWith('bsctl:'));
}

/** Anything bsctl staged next to `output` (hidden `.name.bsctl-*` dirs). */
export function leftovers(output: string): string[] {
  const parent = path.dirname(output);
  const name = path.basename(output);
  return fs.existsSync(parent) ? fs.readdirSync(parent).filter((n) => n.startsWith(`.${name}.bsctl-`)) : [];
}

/** All lines of a job output's part files, sorted (order across reducers is not defined). */
export function outputLines(out: string): string {
  return fs
    .readdirSync(out)
    .filter((f) => f.startsWith('part-'))
    .sort()
    .map((f) => fs.readFileSync(path.join(out, f), 'utf8'))
    .join('')
    .split('\n')
    .filter(Boolean)
    .sort()
    .join('\n');
}
