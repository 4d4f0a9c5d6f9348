import { checkSimpleName } from '../../fs/names.ts';
import { runOnYarn } from '../../cluster/yarn/yarn-job.ts';
import { yarnSettings } from '../../cluster/yarn/settings.ts';
import type { JobRunner, RunnerContext } from './runners.ts';

/**
 * `--runner yarn`: each step as a Hadoop Streaming job on the YARN cluster at $BSCTL_YARN_WEB, in the
 * queue --pool names (default `default`). Ctrl-C kills the application (the job is this process's).
 */
export async function yarnRunner({ args }: RunnerContext): Promise<JobRunner> {
  const pool = args.pool === undefined ? 'default' : checkSimpleName(args.pool, '--pool');
  return { name: 'yarn', run: (o) => runOnYarn(o, yarnSettings(process.env, o.conf ?? {}), pool) };
}
