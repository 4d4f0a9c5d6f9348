import path from 'node:path';
import yargs from 'yargs';
import { loadJob } from '../../task/load-job.ts';
import { resolveJobModule } from '../jobs-dir.ts';
import { runCommand } from '../run/command.ts';

/**
 * Check a schedule's `run ...` as `bsctl run` would parse it (the job resolves from `cwd`, no unknown
 * flag, nothing required missing), without running it.
 */
export async function checkRunArgs(args: readonly string[], cwd = process.cwd()): Promise<void> {
  if (args[0] !== 'run' || !args[1] || args[1].startsWith('-')) throw new Error(`schedule add: the command after -- must be a job run, like \`-- run full-build --table in1\` (got \`${args.join(' ') || 'nothing'}\`)`);
  const job = await loadJob(resolveJobModule(args[1].includes('/') ? path.resolve(cwd, args[1]) : args[1]));
  const result = { code: 0 };
  await yargs([...args])
    .command({ ...runCommand(result, job.cli), handler: () => {} })
    .strict()
    .fail((msg, err) => {
      throw new Error(`schedule add: the command \`bsctl ${args.join(' ')}\`: ${err?.message ?? msg}`);
    })
    .parseAsync();
}
