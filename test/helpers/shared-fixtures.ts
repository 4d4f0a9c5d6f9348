import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from './cli.ts';

/** The shared folder: a sibling of the repository (`/work/shared` beside `/work/main`; CI puts a copy beside its clone). */
export const SHARED = path.resolve(ROOT, '../shared');

/** True when the environment says it is CI (`CI=true`, as GitHub Actions and most CI services set it; `CI=1` too). */
export function isCi(env: NodeJS.ProcessEnv = process.env): boolean {
  return ['true', '1'].includes((env.CI ?? '').toLowerCase());
}

export type SharedLookup =
  | { readonly found: true; readonly dir: string }
  | { readonly found: false; readonly missing: string; readonly required: boolean; readonly message: string };

/**
 * Where `<root>/../shared/<sub>` is and whether every `files` (relative to it) exists; `required`
 * when a missing fixture must fail the run (CI), not skip.
 */
export function lookupShared(root: string, sub: string, files: readonly string[], env: NodeJS.ProcessEnv = process.env): SharedLookup {
  const dir = path.resolve(root, '../shared', sub);
  const missing = [dir, ...files.map((f) => path.join(dir, f))].find((p) => !fs.existsSync(p));
  if (missing === undefined) return { found: true, dir };
  const required = isCi(env);
  const message = `shared fixture missing: ${missing} (the shared folder must sit beside the repository, at ${path.resolve(root, '../shared')})${required ? '; CI=true: a missing fixture fails the run' : ''}`;
  return { found: false, missing, required, message };
}

const reported = new Set<string>();

/**
 * The shared fixture directory `../shared/<sub>` (default the Havenask fixtures), when it and every
 * `files` in it exist. When not: undefined (tests using it are skipped or fall back), and under
 * CI=true a failing test named after the missing path is registered, so the run fails and says why.
 * Call it at the top level of a test file (ava registers tests synchronously).
 */
export function sharedFixtures(sub = 'fixtures/havenask', files: readonly string[] = []): string | undefined {
  const r = lookupShared(ROOT, sub, files);
  if (r.found) return r.dir;
  if (r.required && !reported.has(r.missing)) {
    reported.add(r.missing);
    test(`shared fixture present: ${r.missing}`, (t) => t.fail(r.message));
  }
  return undefined;
}
