import os from 'node:os';
import { loadClusterConfig } from '../../cluster/config.ts';
import { runOnCluster } from '../../scheduler/cluster-runner.ts';
import { findDaemon, submitAndFollow } from '../../scheduler/client.ts';
import { submittedOptions } from '../../scheduler/protocol.ts';
import { scheduleMarkFromEnv } from '../../scheduler/schedule-types.ts';
import type { JobRunner, RunnerContext } from './runners.ts';

/**
 * `--runner cluster`: submit to the scheduler daemon when one answers (it runs the job and we follow
 * its events), else run a private scheduler for this job on the config's machines.
 */
export async function clusterRunner({ args, taskTimeoutMs, log }: RunnerContext): Promise<JobRunner> {
  const file = args.cluster ?? process.env.BSCTL_CLUSTER;
  if (!file) throw new Error('--runner cluster needs --cluster FILE (a cluster config; scripts/sshd cluster prints one) or $BSCTL_CLUSTER');
  const config = loadClusterConfig(file);
  const user = os.userInfo().username;
  const pool = args.pool ?? user;
  const found = await findDaemon(args.scheduler, config.scheduler);
  if (found.note) log(found.note);
  if (!found.url) {
    const options = { pool, user, taskTimeoutMs, ...(config.allocations ? { allocations: config.allocations } : {}), ...(args.priority !== undefined ? { priority: args.priority } : {}) };
    return { name: 'cluster', run: (o) => runOnCluster(config, o, options) };
  }
  const url = found.url;
  const mark = scheduleMarkFromEnv();
  return {
    name: 'cluster',
    follows: true,
    run: async (o) => {
      log(`submitting to the scheduler at ${url} (pool ${pool})`);
      // As with Hadoop's client, interrupting the client leaves the job running on the cluster.
      let jobId: string | undefined;
      const detach = (): void => {
        process.stderr.write(`\n${jobId ?? 'the job'} keeps running on the scheduler (${url}/scheduler); \`bsctl scheduler kill ${jobId ?? 'JOB'}\` stops it\n`);
        process.exit(130);
      };
      process.once('SIGINT', detach);
      try {
        const end = await submitAndFollow(
          url,
          { ...submittedOptions(o), pool, user, ...(args.priority !== undefined ? { priority: args.priority } : {}), ...(mark ? { schedule: mark } : {}) },
          (e) => {
            if (e.event === 'accepted') {
              jobId = e.jobId;
              log(`${e.jobId}: accepted by the scheduler (pool ${e.pool}); ${url}/scheduler`);
            } else if (e.event === 'log') log(e.line);
            else if (e.event === 'progress') o.onProgress?.(e.progress);
          },
        );
        if (end.event === 'failed') throw new Error(end.error);
        return end.report;
      } finally {
        process.off('SIGINT', detach);
      }
    },
  };
}
