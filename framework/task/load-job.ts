import { pathToFileURL } from 'node:url';
import { isJob, type Job } from '../job/define.ts';

const cache = new Map<string, Job>();
/** Job modules bundled into a shipped worker, by the module path the driver names them with. */
const preloaded = new Map<string, Record<string, unknown>>();

/** Register a module that is already loaded (worker bundles shipped to SSH hosts; the daemon's fresh copies). */
export function registerJobModule(modulePath: string, mod: Record<string, unknown>): void {
  preloaded.set(modulePath, mod);
  // A newer copy of the module (the scheduler daemon re-bundles a job per run) replaces the old one.
  for (const id of cache.keys()) if (id.startsWith(`${modulePath}#`)) cache.delete(id);
}

/** Load a job by module path and export name (workers never receive serialised closures). */
export async function loadJob(modulePath: string, exportName = 'default'): Promise<Job> {
  const id = `${modulePath}#${exportName}`;
  const hit = cache.get(id);
  if (hit) return hit;
  const mod = preloaded.get(modulePath) ?? ((await import(pathToFileURL(modulePath).href)) as Record<string, unknown>);
  // A .ts module outside an ESM package loads as CommonJS: its exports sit under `default`.
  const cjs = mod.default as Record<string, unknown> | undefined;
  const job = isJob(mod[exportName]) ? mod[exportName] : typeof cjs === 'object' && cjs !== null ? cjs[exportName] : undefined;
  if (!isJob(job)) {
    throw new Error(`${modulePath}: export "${exportName}" is not a job (define it with defineJob(...).step(...).output(...))`);
  }
  cache.set(id, job);
  return job;
}
