import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import picomatch from 'picomatch';
import { fileSystemFor, isLocal, joinPath } from '../fs/resolve.ts';

/**
 * What bsctl checks about an output directory before any task runs, so that neither a typo nor a
 * hostile submission makes it delete data it did not create:
 * - the output never equals, contains or lies inside an input (else the job would eat its own input);
 * - with --overwrite, an existing output is replaced only when it is provably a previous bsctl output
 *   (it holds `_SUCCESS`, or it is a `generation_<n>` of `partition_*` directories), unless
 *   --force-overwrite says so explicitly; `/`, the home directory, the current directory and their
 *   ancestors are never replaced.
 */
export interface OutputGuardOptions {
  readonly output: string;
  readonly inputs: readonly string[];
  readonly overwrite: boolean;
  readonly forceOverwrite?: boolean;
}

const GLOB_CHARS = /[*?[\]{}]/;

/** `{ where, path }`: local paths with symlinks resolved as far as they exist; HDFS paths by their path part. */
interface Place {
  readonly where: 'local' | 'hdfs';
  readonly path: string;
}

/** Resolve symlinks of the longest existing prefix of a local path. */
function realLocal(p: string): string {
  const abs = path.resolve(p.startsWith('file://') ? fileURLToPath(p) : p);
  let head = abs;
  const tail: string[] = [];
  for (;;) {
    try {
      return path.join(fs.realpathSync(head), ...tail);
    } catch {
      const parent = path.dirname(head);
      if (parent === head) return abs;
      tail.unshift(path.basename(head));
      head = parent;
    }
  }
}

function placeOf(p: string): Place {
  if (isLocal(p)) return { where: 'local', path: realLocal(p) };
  const m = /^[a-z]+:\/\/[^/]*(\/.*)?$/i.exec(p);
  return { where: 'hdfs', path: path.posix.normalize(m?.[1] ?? '/').replace(/(.)\/+$/, '$1') };
}

const within = (inner: string, outer: string): boolean => outer === '/' ? inner !== '/' : inner.startsWith(`${outer}/`);

/** An input as a literal base directory plus, for globs, the pattern below it. */
function inputPlace(raw: string): { place: Place; pattern?: string } {
  const parts = raw.split('/');
  const g = parts.findIndex((c) => GLOB_CHARS.test(c));
  if (g < 0) return { place: placeOf(raw) };
  return { place: placeOf(parts.slice(0, g).join('/') || '/'), pattern: parts.slice(g).join('/') };
}

/** Refuse an output that equals, contains or lies inside one of the inputs. */
export function checkOutputAgainstInputs(output: string, inputs: readonly string[]): void {
  const out = placeOf(output);
  for (const raw of inputs) {
    // An HBase table (hbase://<table>) is no file system place an output could be in.
    if (/^hbase:\/\//i.test(raw)) continue;
    const { place: inp, pattern } = inputPlace(raw);
    if (inp.where !== out.where) continue;
    const fail = (how: string): never => {
      throw new Error(`--output ${output}: ${how} the input ${raw}; write the output somewhere else`);
    };
    if (!pattern) {
      if (out.path === inp.path) fail('is');
      if (within(inp.path, out.path)) fail('contains');
      if (within(out.path, inp.path)) fail('lies inside');
      continue;
    }
    // A glob: its literal directory must not be the output or inside it, and the output must not be
    // (or lie inside) something the pattern matches.
    if (out.path === inp.path || within(inp.path, out.path)) fail('contains');
    if (within(out.path, inp.path)) {
      const rel = path.posix.relative(inp.path, out.path).split('/');
      const depth = pattern.split('/').length;
      const isMatch = picomatch(pattern, { dot: true });
      for (let n = 1; n <= Math.min(depth, rel.length); n++) if (isMatch(rel.slice(0, n).join('/'))) fail('lies inside (or is matched by)');
    }
  }
}

/** Directories never replaced: `/`, the home directory, the current directory and every ancestor of those. */
function protectedPlace(out: Place): string | undefined {
  if (out.path === '/') return 'the root directory';
  if (out.where === 'hdfs') {
    const user = process.env.BSCTL_HDFS_USER ?? os.userInfo().username;
    if (out.path === '/user' || out.path === `/user/${user}`) return 'an HDFS home directory';
    return undefined;
  }
  for (const [what, dir] of [['your home directory', os.homedir()], ['the current directory', process.cwd()]] as const) {
    const real = realLocal(dir);
    if (out.path === real) return what;
    if (within(real, out.path)) return `an ancestor of ${what}`;
  }
  return undefined;
}

const GENERATION = /^generation_\d+$/;
const PARTITION = /^partition_\d+_\d+$/;

/** True when `dir` is provably a previous bsctl output: `_SUCCESS` in it, or a generation layout. */
export async function looksLikeBsctlOutput(dir: string): Promise<boolean> {
  const fsys = fileSystemFor(dir);
  const st = await fsys.stat(dir);
  if (!st?.isDirectory) return false;
  if (await fsys.stat(joinPath(dir, '_SUCCESS'))) return true;
  const name = dir.replace(/\/+$/, '').slice(dir.replace(/\/+$/, '').lastIndexOf('/') + 1);
  if (!GENERATION.test(name)) return false;
  const entries = await fsys.list(dir);
  const visible = entries.filter((e) => !/^[._]/.test(e.path.slice(e.path.lastIndexOf('/') + 1)));
  return visible.length > 0 && visible.every((e) => e.isDirectory && PARTITION.test(e.path.slice(e.path.lastIndexOf('/') + 1)));
}

/** All the checks above; throws one clear error naming the flag and the reason. Runs before any task. */
export async function checkOutputSafety(o: OutputGuardOptions): Promise<void> {
  checkOutputAgainstInputs(o.output, o.inputs);
  const out = placeOf(o.output);
  const never = protectedPlace(out);
  if (never) throw new Error(`--output ${o.output}: is ${never}; bsctl never writes a job output there`);
  const st = await fileSystemFor(o.output).stat(o.output);
  if (!st) return;
  if (!o.overwrite) throw new Error(`output directory ${o.output} already exists (use --overwrite to replace it)`);
  if (o.forceOverwrite) return;
  if (!st.isDirectory) throw new Error(`--output ${o.output}: is a file, not a previous bsctl output; not replacing it (add --force-overwrite to replace it anyway)`);
  if (!(await looksLikeBsctlOutput(o.output))) {
    throw new Error(`--output ${o.output}: does not look like a previous bsctl output (no _SUCCESS, not a generation); not replacing it (add --force-overwrite to replace it anyway)`);
  }
}
