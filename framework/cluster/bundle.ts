import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { nativePackages, shipNativePackages, type NativePackage } from './native-packages.ts';
import { shellQuote, type SshConnection } from './ssh.ts';

const PROJECT = fileURLToPath(new URL('../../', import.meta.url));

/** The worker runtime plus one job, as a single ES module named by its content hash. */
export interface WorkerBundle {
  readonly hash: string;
  readonly code: Buffer;
  /** Packages with native addons it imports (shipped beside it, content-addressed too). */
  readonly natives: readonly NativePackage[];
}

/**
 * What the bundle runs: the worker (JSON-lines task specs on stdin; SSH hosts) or one Hadoop Streaming
 * task (`node bundle.mjs map|reduce`; YARN containers).
 */
export type BundleEntry = 'worker' | 'streaming';
const ENTRIES: Readonly<Record<BundleEntry, { readonly import: string; readonly run: string }>> = {
  worker: { import: `import { runWorker } from './framework/task/worker.ts';`, run: 'await runWorker();' },
  streaming: { import: `import { runStreamingTask } from './framework/task/streaming.ts';`, run: 'await runStreamingTask(process.argv[2]);' },
};

/**
 * Bundle the worker and the job module with esbuild, so a fresh host needs only Node and sshd. The job
 * is registered under the module path the driver names it with; workers never receive closures.
 * Packages with native addons (@node-rs/jieba, lz4-napi) cannot be bundled: they are shipped as they are
 * installed here, with their platform package (see native-packages.ts).
 */
export async function buildWorkerBundle(jobModule: string, entry: BundleEntry = 'worker'): Promise<WorkerBundle> {
  const contents = [
    `import { registerJobModule } from './framework/task/load-job.ts';`,
    `import * as job from ${JSON.stringify(jobModule)};`,
    ENTRIES[entry].import,
    `registerJobModule(${JSON.stringify(jobModule)}, job);`,
    ENTRIES[entry].run,
  ].join('\n');
  // A Streaming task's stack traces name the job's own files (YARN shows them; the probable cause reads them).
  const { code, externals } = await bundle(contents, 'bsctl-worker-entry.ts', entry === 'streaming' ? { sourcemap: true } : {});
  const natives = nativePackages(externals, PROJECT);
  const hash = createHash('sha256').update(code);
  for (const n of natives) hash.update(`\0${n.name}@${n.hash}`);
  return { hash: hash.digest('hex').slice(0, 24), code, natives };
}

/**
 * CommonJS code bundled into an ES module runs in strict mode: bytewise-core's `for (key in ...)` (an
 * undeclared variable, fine in sloppy mode) throws a ReferenceError there on every non-string key. The
 * loop variable is declared where the bundle loads it.
 */
const strictSafe: Plugin = {
  name: 'bsctl-strict-safe',
  setup(b) {
    b.onLoad({ filter: /[\\/]bytewise-core[\\/]index\.js$/ }, (args) => {
      const source = fs.readFileSync(args.path, 'utf8');
      const fixed = source.replace('for (key in subsorts)', 'for (var key in subsorts)');
      if (fixed === source) throw new Error(`${args.path}: the undeclared loop variable this bundle declares is gone (bytewise-core changed): check it runs in strict mode and drop the fix`);
      return { contents: fixed, loader: 'js' };
    });
  },
};

/** One ES module of `contents` and all it imports, and the packages it leaves external. */
async function bundle(contents: string, sourcefile: string, options: { dynamicImport?: boolean; sourcemap?: boolean } = {}): Promise<{ code: Buffer; externals: string[] }> {
  const result = await build({
    // Absolute source paths: the frames name the job module as the driver does.
    ...(options.sourcemap ? { sourcemap: 'inline' as const, sourcesContent: false, absWorkingDir: PROJECT, sourceRoot: PROJECT } : {}),
    ...(options.dynamicImport === false ? { supported: { 'dynamic-import': false } } : {}),
    stdin: { contents, resolveDir: PROJECT, sourcefile, loader: 'ts' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    write: false,
    logLevel: 'silent',
    metafile: true,
    external: ['@node-rs/*', 'lz4-napi'],
    plugins: [strictSafe],
    // CommonJS dependencies inside an ES module bundle need `require`.
    banner: { js: "import { createRequire as __bsctlRequire } from 'node:module'; const require = __bsctlRequire(import.meta.url);" },
  });
  const code = Buffer.from(result.outputFiles[0]!.contents);
  // Imports esbuild saw, plus modules loaded at run time through createRequire (jieba and lz4 load lazily).
  const externals = Object.values(result.metafile.outputs).flatMap((o) => o.imports.filter((i) => i.external).map((i) => i.path));
  for (const m of code.toString('utf8').matchAll(/["'](@node-rs\/[\w.-]+|lz4-napi)[^"']*["']/g)) externals.push(m[1]!);
  return { code, externals };
}

/**
 * The job module as it is on disk now, with everything it imports: bundled and imported as a module of
 * its own (named by content), so a long-lived scheduler daemon never runs a stale copy of an edited job.
 * Kept under the project's node_modules so external packages resolve.
 */
export async function importJobModuleFresh(jobModule: string): Promise<Record<string, unknown>> {
  // Without dynamic import(): tsx's loader rewrites every import() of an ES module it loads and attaches
  // a fine-grained source map, which Node parses and keeps for the process's life once a stack trace
  // passes through the module (about 120 MiB for a full build's bundle, for each version of the job).
  const { code } = await bundle(`export * as job from ${JSON.stringify(jobModule)};`, 'bsctl-job-entry.ts', { dynamicImport: false });
  const dir = path.join(PROJECT, 'node_modules', '.cache', 'bsctl', 'jobs');
  const file = path.join(dir, `${createHash('sha256').update(code).digest('hex').slice(0, 24)}.mjs`);
  if (!fs.existsSync(file)) {
    fs.mkdirSync(dir, { recursive: true });
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    fs.writeFileSync(tmp, code);
    fs.renameSync(tmp, file);
  }
  return ((await import(pathToFileURL(file).href)) as { job: Record<string, unknown> }).job;
}

/** Remote path of a bundle on a machine. */
export function bundlePath(workDir: string, bundle: WorkerBundle): string {
  return `${workDir}/bundles/${bundle.hash}/worker.mjs`;
}

/** Upload the bundle unless the machine already has it (content-addressed, so cached per host). */
export async function shipBundle(conn: SshConnection, bundle: WorkerBundle): Promise<string> {
  await shipNativePackages(conn, bundle.natives);
  const target = bundlePath(conn.machine.workDir, bundle);
  const sftp = await conn.sftp();
  const exists = await new Promise<boolean>((resolve) => sftp.stat(target, (err) => resolve(!err)));
  if (exists) return target;
  const dir = target.slice(0, target.lastIndexOf('/'));
  await conn.run(`mkdir -p ${shellQuote(dir)}`);
  const tmp = `${target}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await new Promise<void>((resolve, reject) => sftp.writeFile(tmp, bundle.code, (err) => (err ? reject(err) : resolve())));
  await conn.run(`mv -f ${shellQuote(tmp)} ${shellQuote(target)}`);
  return target;
}
