import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project's `jobs/` folder. */
export const JOBS_DIR = fileURLToPath(new URL('../../jobs/', import.meta.url));

/** Names of the bundled jobs (files in jobs/ without extension). */
export function bundledJobNames(): string[] {
  return fs
    .readdirSync(JOBS_DIR)
    .filter((f) => /\.(ts|js|mts|mjs)$/.test(f) && !f.startsWith('_'))
    .map((f) => f.replace(/\.[^.]+$/, ''))
    .sort();
}

/** Resolve `<job>`: a bundled job name, or a path to the user's own .ts/.js module. */
export function resolveJobModule(job: string): string {
  for (const ext of ['.ts', '.js', '.mts', '.mjs']) {
    const p = path.join(JOBS_DIR, `${job}${ext}`);
    if (!job.includes('/') && fs.existsSync(p)) return p;
  }
  const p = path.resolve(job);
  if (fs.existsSync(p) && fs.statSync(p).isFile()) return p;
  throw new Error(`unknown job "${job}": not a job in jobs/ (${bundledJobNames().join(', ')}) and no such file`);
}
