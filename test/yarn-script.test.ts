/**
 * scripts/yarn against the YARN `npm test` starts (a ResourceManager with the FairScheduler and a
 * NodeManager, on the test HDFS): a Hadoop Streaming job runs to the end in a queue of the allocation,
 * and nothing of YARN listens beyond 127.0.0.1 while a job runs.
 */
import test from 'ava';
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
  const path = (p: string): string => new URL(p).pathname;
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
    run = await yarnScript(['run', STREAMING, '-D', 'mapreduce.job.queuename=default', '-D', 'mapreduce.job.name=bsctl-yarn-smoke', '-input', path(`${dir}/in.txt`), '-output', path(`${dir}/out`), '-mapper', 'cat', '-reducer', 'wc -l']);
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
