/**
 * Jars from Maven Central for the benchmarks' comparison engines (Lucene, HBase's MapReduce jobs):
 * `mvn dependency:copy-dependencies` of a pom into a cache dir, once (a `.complete` marker; a dir half
 * written by a killed run is redone), and the build tools named with the Debian package that brings them.
 */
import fs from 'node:fs';
import path from 'node:path';
import { timed, type Timed } from './measure.ts';

export const tail = (s: string): string => s.trim().split('\n').slice(-30).join('\n');

/** Run a build tool; a missing one is named with the package that brings it. */
export async function tool(cmd: string, args: readonly string[], pkg: string, why: string): Promise<Timed> {
  try {
    return await timed(cmd, args);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`${cmd} is needed for ${why} and was not found: apt-get install ${pkg}`);
    throw err;
  }
}

/** Move a finished temp dir into place; another process that got there first is as good. */
export function publish(tmp: string, dir: string): void {
  try {
    fs.renameSync(tmp, dir);
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    if (!fs.existsSync(dir)) throw err;
  }
}

export interface MavenJars {
  readonly pom: string;
  /** The dir the jars land in. */
  readonly lib: string;
  /** A jar that must be among them (else the resolution failed). */
  readonly expect: string;
  /** What they are, for messages ("Apache Lucene 9.12.3"). */
  readonly what: string;
  /** Why they are needed, for a missing Maven ("--vs-lucene"). */
  readonly why: string;
  readonly properties?: Readonly<Record<string, string>>;
}

/** Resolve the pom's runtime jars into `lib` unless done before; returns `lib`. */
export async function resolveJars(m: MavenJars): Promise<string> {
  if (fs.existsSync(path.join(m.lib, '.complete'))) return m.lib;
  const tmp = `${m.lib}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  process.stderr.write(`resolving ${m.what} from Maven Central into ${m.lib} ...\n`);
  const props = Object.entries(m.properties ?? {}).map(([k, v]) => `-D${k}=${v}`);
  const r = await tool('mvn', ['-q', '-B', '-Dstyle.color=never', '-f', m.pom, ...props, 'dependency:copy-dependencies', `-DoutputDirectory=${tmp}`, '-DincludeScope=runtime'], 'maven', m.why);
  if (r.code !== 0 || !fs.readdirSync(tmp).includes(m.expect)) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw new Error(`Maven could not resolve ${m.what} with ${m.pom} (exit ${r.code}):\n${tail(`${r.stdout}\n${r.stderr}`)}`);
  }
  fs.writeFileSync(path.join(tmp, '.complete'), '');
  fs.rmSync(m.lib, { recursive: true, force: true });
  publish(tmp, m.lib);
  return m.lib;
}
