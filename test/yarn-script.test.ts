/**
 * scripts/yarn against the YARN `npm test` starts (a ResourceManager with the FairScheduler and a
 * NodeManager, on the test HDFS): a Hadoop Streaming job runs to the end in a queue of the allocation,
 * the MR1 allocation file translated for YARN is loaded as queues, and nothing of YARN listens beyond 127.0.0.1 while a job runs.
 */
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { bsctl, bsctlStart, ROOT } from './helpers/cli.ts';
import { waitFor } from './helpers/wait.ts';
import { hdfsDir, hdfsRead, hdfsWrite, requireHdfs } from './helpers/hdfs.ts';
import { listeningAddresses, rmJson, testYarn, yarnPids, yarnScript } from './helpers/yarn.ts';

const yarn = testYarn();
const serial = yarn ? test.serial : test.serial.skip;

const STREAMING = 'org.apache.hadoop.streaming.HadoopStreaming';

serial('a Hadoop Streaming job runs on the test YARN over the test HDFS, in queue root.default of the FairScheduler; containers and daemons listen on 127.0.0.1 only', async (t) => {
  requireHdfs();
  const dir = hdfsDir('yarn-streaming');
  const lines = Array.from({ length: 500 }, (_, i) => `line ${i}`);
  await hdfsWrite(`${dir}/in.txt`, `${lines.join('\n')}\n`);
  const hdfsPath = (p: string): string => new URL(p).pathname;
  // Listeners sampled while the job runs: the ApplicationMaster and the tasks open ports too.
  const seen = new Set<string>();
  let containers = 0;
  const sampler = setInterval(() => {
    const pids = yarnPids(yarn!.dir);
    containers = Math.max(containers, pids.length);
    for (const a of listeningAddresses(pids)) seen.add(a);
  }, 200);
  let run;
  try {
    run = await yarnScript(['run', STREAMING, '-D', 'mapreduce.job.queuename=default', '-D', 'mapreduce.job.name=bsctl-yarn-smoke', '-input', hdfsPath(`${dir}/in.txt`), '-output', hdfsPath(`${dir}/out`), '-mapper', 'cat', '-reducer', 'wc -l']);
  } finally {
    clearInterval(sampler);
  }
  t.is(run.code, 0, run.stderr.slice(-3000));
  t.is((await hdfsRead(`${dir}/out/part-00000`)).toString().trim(), '500');
  const apps = await rmJson<{ apps: { app: { name: string; queue: string; state: string; finalStatus: string }[] } }>(yarn!, '/ws/v1/cluster/apps');
  const app = apps.apps.app.find((a) => a.name === 'bsctl-yarn-smoke');
  t.like(app, { queue: 'root.default', state: 'FINISHED', finalStatus: 'SUCCEEDED' });
  const scheduler = await rmJson<{ scheduler: { schedulerInfo: { type: string } } }>(yarn!, '/ws/v1/cluster/scheduler');
  t.is(scheduler.scheduler.schedulerInfo.type, 'fairScheduler');
  t.true(containers > 2, `daemons and containers seen (${containers} processes)`);
  t.true(seen.size > 5, [...seen].join(' '));
  const beyond = [...seen].filter((a) => !/^tcp:127\.0\.0\.1:/.test(a));
  t.deepEqual(beyond, [], `listening beyond 127.0.0.1: ${beyond.join(' ')}`);
});

test('scripts/yarn start without an HDFS NameNode fails at once, naming the port it looked at', async (t) => {
  const run = await yarnScript(['start'], undefined, { BSCTL_HDFS_PORT_BASE: '1', BSCTL_YARN_DIR: '/nonexistent-bsctl-yarn' });
  t.is(run.code, 1);
  t.regex(run.stderr, /no HDFS NameNode on 127\.0\.0\.1:1: start it first \(scripts\/hdfs start, same BSCTL_HDFS_PORT_BASE\)/);
});

interface FairQueue {
  readonly queueName: string;
  readonly maxApps: number;
  readonly schedulingPolicy: string;
  readonly minResources: { readonly memory: number; readonly vCores: number };
  readonly steadyFairResources: { readonly memory: number };
  /** The instantaneous fair share: the node split among the queues with running applications. */
  readonly fairResources: { readonly memory: number };
}

/** The queues under root, as the ResourceManager reports them. */
async function queues(): Promise<Map<string, FairQueue>> {
  const s = await rmJson<{ scheduler: { schedulerInfo: { rootQueue: { childQueues: { queue: FairQueue[] } } } } }>(yarn!, '/ws/v1/cluster/scheduler');
  return new Map(s.scheduler.schedulerInfo.rootQueue.childQueues.queue.map((q) => [q.queueName, q]));
}

serial("the MR1 fair-scheduler.xml translated for YARN's FairScheduler by `bsctl scheduler yarn-allocations`: the ResourceManager loads it with the pools as queues, slots as resources, weights as shares; two bsctl jobs in queues of weights 2:1 get fair shares 2:1; a third, over adhoc's maxRunningApps 1, waits and says so", async (t) => {
  const file = path.join(yarn!.dir, 'conf', 'fair-scheduler.xml');
  const original = fs.readFileSync(file, 'utf8');
  // Translated by the command users run for their own ResourceManager.
  const translated = bsctl(['scheduler', 'yarn-allocations', '--allocations', path.join(ROOT, 'config/fair-scheduler.xml')]);
  t.is(translated.code, 0, translated.stderr);
  t.regex(translated.stderr, /^note: pool build: minMaps 4 \+ minReduces 2 → minResources 3072 mb, 6 vcores/m);
  t.regex(translated.stdout, /^<\?xml version="1\.0"\?>\n<allocations>\n/);
  try {
    // The FairScheduler reloads its allocation file when it changes (checked every 10 s).
    fs.writeFileSync(file, translated.stdout);
    const loaded = await waitFor(async () => ((await queues()).has('root.build') ? queues() : undefined), { what: 'the ResourceManager to load the translated allocation', timeoutMs: 60_000, intervalMs: 500 });
    const build = loaded.get('root.build')!;
    const adhoc = loaded.get('root.adhoc')!;
    t.like(build.minResources, { memory: 3072, vCores: 6 });
    t.is(adhoc.maxApps, 1);
    t.is(adhoc.schedulingPolicy.toLowerCase(), 'fifo');
    // Weights 2 (build), 1 (adhoc) and 1 (root.default, added): steady fair shares of the 6144 MB node.
    t.deepEqual(['root.build', 'root.adhoc', 'root.default'].map((q) => loaded.get(q)!.steadyFairResources.memory), [3072, 1536, 1536]);
    // A bsctl job in each of build (weight 2) and adhoc (weight 1), running at once: YARN splits the
    // node between the two active queues 2:1.
    requireHdfs();
    const dir = hdfsDir('yarn-shares');
    await hdfsWrite(`${dir}/in.txt`, 'a\nb\n');
    const job = (pool: string, out = pool) => bsctlStart(['run', path.join(ROOT, 'test/fixtures/jobs/slow-count.ts'), '--input', `${dir}/in.txt`, '--output', `${dir}/${out}`, '--runner', 'yarn', '--pool', pool, '--conf', 'sleep.ms=120000']);
    const runs = [job('build'), job('adhoc')];
    try {
      const shares = await waitFor(async () => {
        const q = await queues();
        const [b, a] = ['root.build', 'root.adhoc'].map((n) => q.get(n)!.fairResources.memory);
        return b! > 0 && a! > 0 ? [b, a] : undefined;
      }, { what: 'both queues active', timeoutMs: 90_000, intervalMs: 500 });
      // 4096 : 2048 of the 6144 MB node, or 3072 : 1536 while another test's job runs in root.default.
      t.is(shares[0]! / shares[1]!, 2, `fair shares build ${shares[0]} MB, adhoc ${shares[1]} MB`);
      t.true(shares[0]! + shares[1]! >= 4608, `the two queues hold at least 3/4 of the node (${shares.join(' + ')} MB)`);
      // A second job in adhoc (maxRunningApps 1) is over the queue's limit: it waits, as YARN makes it, and says so.
      const over = job('adhoc', 'adhoc2');
      runs.push(over);
      // Its client starts a JVM and submits while the machine runs other tests: minutes at worst.
      const notice = await waitFor(() => /(application_\d+_\d+) is waiting in queue root\.adhoc \(\d+ running of at most 1, \d+ pending\), ACCEPTED for \d+ s/.exec(over.stderr()) ?? undefined, { what: 'the second adhoc job to say it waits', timeoutMs: 180_000, intervalMs: 500 }).catch((e: Error) => {
        throw new Error(`${e.message}; its stderr:\n${over.stderr().slice(-3000)}`);
      });
      t.log(notice[0]);
      t.is((await rmJson<{ app: { state: string; queue: string } }>(yarn!, `/ws/v1/cluster/apps/${notice[1]}`)).app.state, 'ACCEPTED');
      t.is(over.child.exitCode, null, 'still running: waiting is not a failure');
    } finally {
      for (const r of runs) r.child.kill('SIGTERM');
      for (const r of runs) t.is((await r.done).code, 143);
    }
  } finally {
    // Put back; not waited for (the next reload, within 10 s, drops root.build and root.adhoc): the
    // other YARN tests use root.default, which both allocations have.
    fs.writeFileSync(file, original);
  }
});
