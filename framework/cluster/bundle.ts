import { createHash, randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { shellQuote, type SshConnection } from './ssh.ts';

const PROJECT = fileURLToPath(new URL('../../', import.meta.url));

/** The worker runtime plus one job, as a single ES module named by its content hash. */
export interface WorkerBundle {
  readonly hash: string;
  readonly code: Buffer;
}

/**
 * Bundle the worker and the job module with esbuild, so a fresh host needs only Node and sshd. The job
 * is registered under the module path the driver names it with; workers never receive closures.
 * Native addons (@node-rs/jieba) are left out: jobs that use jieba need it installed on the hosts.
 */
export async function buildWorkerBundle(jobModule: string): Promise<WorkerBundle> {
  const contents = [
    `import { registerJobModule } from './framework/task/load-job.ts';`,
    `import * as job from ${JSON.stringify(jobModule)};`,
    `import { runWorker } from './framework/task/worker.ts';`,
    `registerJobModule(${JSON.stringify(jobModule)}, job);`,
    `await runWorker();`,
  ].join('\n');
  const result = await build({
    stdin: { contents, resolveDir: PROJECT, sourcefile: 'bsctl-worker-entry.ts', loader: 'ts' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    write: false,
    logLevel: 'silent',
    external: ['@node-rs/*'],
    // CommonJS dependencies inside an ES module bundle need `require`.
    banner: { js: "import { createRequire as __bsctlRequire } from 'node:module'; const require = __bsctlRequire(import.meta.url);" },
  });
  const code = Buffer.from(result.outputFiles[0]!.contents);
  return { hash: createHash('sha256').update(code).digest('hex').slice(0, 24), code };
}

/** Remote path of a bundle on a machine. */
export function bundlePath(workDir: string, bundle: WorkerBundle): string {
  return `${workDir}/bundles/${bundle.hash}/worker.mjs`;
}

/** Upload the bundle unless the machine already has it (content-addressed, so cached per host). */
export async function shipBundle(conn: SshConnection, bundle: WorkerBundle): Promise<string> {
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
