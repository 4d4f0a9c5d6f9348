import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fullBuildCli } from '../../framework/index/plan.ts';
import { runJob, type JobReport } from '../../framework/runner/driver.ts';
import type { RunOptions } from '../../framework/runner/options.ts';

export const FULL_BUILD = fileURLToPath(new URL('../../jobs/full-build.ts', import.meta.url));

export interface BuildArgs {
  readonly table: string;
  readonly schema?: string;
  readonly data?: readonly string[];
  readonly partitions?: number;
  readonly indexRoot: string;
  readonly skipUnsupported?: boolean;
  /** A table config file (`--table-config`). */
  readonly tableConfig?: string;
}

/** Plan and run a full build as `bsctl run full-build` does (inline runner unless told). */
export async function fullBuild(args: BuildArgs, run: Partial<RunOptions> = {}): Promise<JobReport & { generationDir: string }> {
  const logs: string[] = [];
  const plan = await fullBuildCli.plan(
    {
      table: args.table,
      ...(args.schema ? { schema: args.schema } : {}),
      ...(args.tableConfig ? { 'table-config': args.tableConfig } : {}),
      ...(args.data ? { data: [...args.data] } : {}),
      ...(args.partitions ? { partitions: args.partitions } : {}),
      'index-root': args.indexRoot,
      'skip-unsupported-indexes': args.skipUnsupported ?? false,
    },
    (l) => logs.push(l),
  );
  try {
    const report = await runJob({
      jobModule: FULL_BUILD,
      input: plan.input,
      output: plan.output,
      conf: plan.conf ?? {},
      maxBadRecords: plan.maxBadRecords ?? 0,
      runner: 'inline',
      ...(plan.reducers ? { reducers: plan.reducers } : {}),
      ...run,
    });
    await plan.afterCommit?.();
    return { ...report, generationDir: plan.output };
  } finally {
    await plan.finish?.(); // the table lock
  }
}

/** sha256 of every file under `root` (relative path → hash), skipping version.N (it carries a timestamp). */
export function segmentDigest(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (!/^version\.\d+$/.test(e.name)) out[path.relative(root, p)] = crypto.createHash('sha256').update(fs.readFileSync(p)).digest('hex');
    }
  };
  walk(root);
  return out;
}
