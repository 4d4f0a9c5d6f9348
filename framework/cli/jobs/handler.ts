import { loadJob } from '../../task/load-job.ts';
import { bundledJobNames, resolveJobModule } from '../jobs-dir.ts';

export async function jobsHandler(): Promise<number> {
  const names = bundledJobNames();
  const width = Math.max(...names.map((n) => n.length));
  for (const name of names) {
    const job = await loadJob(resolveJobModule(name));
    process.stdout.write(`${name.padEnd(width)}  ${job.description}\n`);
  }
  return 0;
}
