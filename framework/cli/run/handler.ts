import fs from 'node:fs';
import { absolutePath } from '../../fs/resolve.ts';
import { runJob } from '../../runner/driver.ts';
import { resolveJobModule } from '../jobs-dir.ts';
import { ProgressReporter } from '../progress.ts';
import { formatReport } from '../report.ts';
import { parseSize } from '../sizes.ts';
import type { RunArgs } from './command.ts';

export function parseConf(pairs: readonly string[]): Record<string, string> {
  const conf: Record<string, string> = {};
  for (const p of pairs) {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new Error(`--conf: "${p}" is not key=value`);
    conf[p.slice(0, eq)] = p.slice(eq + 1);
  }
  return conf;
}

function positiveInt(v: number | undefined, key: string): number | undefined {
  if (v === undefined) return undefined;
  if (!Number.isInteger(v) || v < 1) throw new Error(`${key}: must be a whole number of at least 1 (got ${v})`);
  return v;
}

export async function runHandler(args: RunArgs): Promise<number> {
  const jobModule = resolveJobModule(args.job);
  const reducers = positiveInt(args.reducers, '--reducers');
  const workers = positiveInt(args.workers, '--workers');
  const sortMb = positiveInt(args['sort-mb'], '--sort-mb')!;
  const splitSize = args['split-size'] !== undefined ? parseSize(args['split-size'], '--split-size') : undefined;
  const progress = new ProgressReporter();
  try {
    const report = await runJob({
      jobModule,
      input: args.input.map(absolutePath),
      output: absolutePath(args.output),
      runner: args.runner,
      sortMb,
      overwrite: args.overwrite,
      conf: parseConf(args.conf),
      ...(reducers !== undefined ? { reducers } : {}),
      ...(workers !== undefined ? { workers } : {}),
      ...(splitSize !== undefined ? { splitSize } : {}),
      onProgress: (p) => progress.update(p),
      log: (line) => process.stderr.write(`${line}\n`),
    });
    progress.stop();
    process.stdout.write(`${formatReport(report)}\n`);
    if (args['report-json']) fs.writeFileSync(args['report-json'], `${JSON.stringify(report, null, 2)}\n`);
    return 0;
  } finally {
    progress.stop();
  }
}
