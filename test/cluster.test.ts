import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadClusterConfig } from '../framework/cluster/config.ts';
import { ClusterRunner } from '../framework/scheduler/cluster-runner.ts';
import { runJob } from '../framework/runner/driver.ts';
import { bsctl, errorLines, outputLines, tempDir } from './helpers/cli.ts';
import { clusterVariant, sshdScript, testCluster } from './helpers/cluster.ts';
import { fullBuild, segmentDigest as digest } from './helpers/full-build.ts';
import { hdfsDir, hdfsWrite, requireHdfs } from './helpers/hdfs.ts';

const WORD_COUNT = fileURLToPath(new URL('../jobs/word-count.ts', import.meta.url));
const SLOW = fileURLToPath(new URL('./fixtures/jobs/slow-count.ts', import.meta.url));
const STRAGGLER = fileURLToPath(new URL('./fixtures/jobs/straggler-count.ts', import.meta.url));
const dir = tempDir('cluster');
test.after.always(() => fs.rmSync(dir, { recursive: true, force: true }));
test.before(() => testCluster());

function words(lines: number): string {
  return `${Array.from({ length: lines }, (_, i) => `w${i % 53} x${i % 17} é${i % 5} common`).join('\n')}\n`;
}

test.serial('word-count on 3 SSH hosts equals the local runner; every host ran tasks from the shipped bundle', (t) => {
  const input = path.join(dir, 'wc.txt');
  fs.writeFileSync(input, words(20_000));
  const local = bsctl(['run', 'word-count', '--input', input, '--output', path.join(dir, 'wc-local')]);
  t.is(local.code, 0, local.stderr);
  const remote = bsctl(['run', 'word-count', '--input', input, '--output', path.join(dir, 'wc-cluster'), '--runner', 'cluster', '--cluster', testCluster().file, '--split-size', '32k', '--reducers', '3']);
  t.is(remote.code, 0, remote.stderr);
  t.regex(remote.stderr, /runner cluster \(6 slot\(s\)\)/);
  t.is(outputLines(path.join(dir, 'wc-cluster')), outputLines(path.join(dir, 'wc-local')));
  const jobId = /(job_\w+): word-count,/.exec(remote.stderr)![1]!;
  for (const m of testCluster().config.machines) {
    t.true(fs.readdirSync(path.join(m.workDir, 'bundles')).length >= 1, `${m.name} got the bundle`);
    // (Other jobs, e.g. the scheduler tests', may use the same machines meanwhile.)
    t.false(fs.existsSync(path.join(m.workDir, 'jobs', jobId)), `${m.name} job dir cleaned`);
  }
});

test.serial('full-build on 3 SSH hosts gives the same segment files as the local runner', async (t) => {
  const data = path.join(process.cwd(), 'fixtures/in1/data/docs.ha3');
  const schema = path.join(process.cwd(), 'fixtures/in1/schema.json');
  const a = await fullBuild({ table: 'in1', schema, data: [data], partitions: 4, indexRoot: path.join(dir, 'fb-local') });
  const b = await fullBuild(
    { table: 'in1', schema, data: [data], partitions: 4, indexRoot: path.join(dir, 'fb-cluster') },
    { runner: new ClusterRunner(testCluster().config), splitSize: 400 },
  );
  t.deepEqual(digest(b.generationDir), digest(a.generationDir));
  t.true(b.maps >= 4);
});

async function killDuring(phase: 'map' | 'reduce', t: import('ava').ExecutionContext): Promise<void> {
  const input = path.join(dir, `kill-${phase}.txt`);
  fs.writeFileSync(input, words(3000));
  const reference = path.join(dir, `kill-${phase}-ref`);
  await runJob({ jobModule: SLOW, input: [input], output: reference, runner: 'inline', conf: { 'sleep.ms': '0' }, reducers: 3 });
  const runner = new ClusterRunner(testCluster().config);
  const logs: string[] = [];
  let killed: number[] = [];
  const kill = (): void => {
    if (killed.length) return;
    const victim = runner.workers().find((w) => w.busyPids.length > 0);
    if (!victim) return;
    killed = victim.pids;
    for (const pid of killed) process.kill(pid, 'SIGKILL');
  };
  const out = path.join(dir, `kill-${phase}-out`);
  let timer: NodeJS.Timeout | undefined;
  await runJob({
    jobModule: SLOW,
    input: [input],
    output: out,
    runner,
    splitSize: 8 * 1024,
    reducers: 3,
    conf: phase === 'map' ? { 'sleep.ms': '3' } : { 'sleep.ms': '0', 'reduce.sleep.ms': '50' },
    log: (l) => logs.push(l),
    onProgress: (p) => {
      const inPhase = phase === 'map' ? p.map.done >= 1 && p.map.done < p.map.total : p.map.done === p.map.total && p.reduce.total > 0 && p.reduce.done === 0;
      // From then on, poll until a worker of some host is busy with a task, and kill that host's workers.
      if (inPhase && !timer) timer = setInterval(kill, 50);
    },
  });
  clearInterval(timer);
  t.true(killed.length > 0, 'worker processes of one host were killed');
  t.true(logs.some((l) => /failed: worker process exited \((SIGKILL|connection closed|code \d+)\)/.test(l)), logs.join('\n'));
  t.is(outputLines(out), outputLines(reference));
}

test.serial('kill -9 of one host\'s workers mid-map: the job succeeds with identical output', (t) => killDuring('map', t));
test.serial('kill -9 of one host\'s workers mid-reduce: the job succeeds with identical output', (t) => killDuring('reduce', t));

test.serial('a host whose sshd is stopped is blacklisted; the job succeeds on the rest', (t) => {
  const input = path.join(dir, 'down.txt');
  fs.writeFileSync(input, words(2000));
  sshdScript('stop-host', '2');
  try {
    const r = bsctl(['run', 'word-count', '--input', input, '--output', path.join(dir, 'down-out'), '--runner', 'cluster', '--cluster', testCluster().file, '--split-size', '8k']);
    t.is(r.code, 0, r.stderr);
    t.regex(r.stderr, /blacklisting host2 for this job: cannot connect to host2 \(\S+@127\.0\.0\.2:\d+\): ECONNREFUSED/);
    t.regex(r.stderr, /runner cluster \(4 slot\(s\)\)/);
  } finally {
    sshdScript('start-host', '2');
  }
  const local = bsctl(['run', 'word-count', '--input', input, '--output', path.join(dir, 'down-local')]);
  t.is(local.code, 0);
  t.is(outputLines(path.join(dir, 'down-out')), outputLines(path.join(dir, 'down-local')));
});

test.serial('a wrong host key is refused with a clear error; nothing runs, no output', (t) => {
  const wrong = clusterVariant(dir, 'wrong-key', (c) => {
    c.machines[0]!.hostKey = c.machines[1]!.hostKey;
  });
  const input = path.join(dir, 'key.txt');
  fs.writeFileSync(input, 'a b\n');
  const r = bsctl(['run', 'word-count', '--input', input, '--output', path.join(dir, 'key-out'), '--runner', 'cluster', '--cluster', wrong]);
  t.is(r.code, 1);
  t.regex(errorLines(r.stderr)[0] ?? '', /host key verification failed for host1 \(127\.0\.0\.1:\d+\): the server's key .* is not the pinned hostKey: refusing to connect/);
  t.false(fs.existsSync(path.join(dir, 'key-out')));
  const config = loadClusterConfig(testCluster().file);
  const known = path.join(dir, 'known_hosts');
  fs.writeFileSync(known, `[127.0.0.1]:${config.machines[0]!.port + 1000} ${config.machines[0]!.hostKey}\n`);
  const unknown = clusterVariant(dir, 'unknown-host', (c) => {
    delete c.machines[0]!.hostKey;
    c.machines[0]!.knownHosts = known;
  });
  const r2 = bsctl(['run', 'word-count', '--input', input, '--output', path.join(dir, 'key-out'), '--runner', 'cluster', '--cluster', unknown]);
  t.is(r2.code, 1);
  t.regex(errorLines(r2.stderr)[0] ?? '', /host key verification failed for host1 .*no key for 127\.0\.0\.1:\d+ in .*known_hosts \(unknown host\)/);
});

test.serial('cluster config errors name the file and key', (t) => {
  const bad = path.join(dir, 'bad-cluster.json');
  fs.writeFileSync(bad, JSON.stringify({ machines: [{ host: '127.0.0.1', user: 'u', identityFile: '/k', workDir: '/w', mapSlots: -1, hostKey: 'ssh-ed25519 AAAA' }] }));
  t.throws(() => loadClusterConfig(bad), { message: `${bad}: machines[0].mapSlots: must be a whole number ≥ 0` });
  fs.writeFileSync(bad, JSON.stringify({ machines: [{ host: '127.0.0.1', user: 'u', identityFile: '/k', workDir: '/w' }] }));
  t.throws(() => loadClusterConfig(bad), { message: /machines\[0\]\.hostKey: give a pinned hostKey or a knownHosts file/ });
});

test.serial('delay scheduling: maps of an HDFS input wait for the machine holding their block (host1, beside the DataNode)', async (t) => {
  requireHdfs();
  // The test HDFS has 1 MiB blocks on a DataNode at 127.0.0.1: host1 (127.0.0.1) holds every block,
  // host2 (127.0.0.2) and host3 (127.0.0.3) none.
  const uri = `${hdfsDir('locality')}/in.txt`;
  await hdfsWrite(uri, words(300_000).slice(0, 6 * 1024 * 1024));
  const run = async (localityDelayMs: number, name: string): Promise<{ launched: number; local: number; out: string }> => {
    const runner = new ClusterRunner(testCluster().config, () => {}, { localityDelayMs });
    const out = path.join(dir, name);
    await runJob({ jobModule: WORD_COUNT, input: [uri], output: out, runner, reducers: 2 });
    return { launched: runner.job!.launched.map, local: runner.job!.dataLocalMaps, out };
  };
  const patient = await run(60_000, 'locality-delay');
  t.is(patient.launched, 6);
  t.is(patient.local, 6, 'every map waited for a slot on host1');
  const eager = await run(0, 'locality-none');
  t.is(eager.launched, 6);
  t.true(eager.local < 6, `without delay, maps also ran on host2/host3 (${eager.local} of 6 data-local)`);
  t.is(outputLines(patient.out), outputLines(eager.out));
});

test.serial('map outputs lost on one host after the maps finish: reducers\' fetch fails, those maps re-run, identical output', async (t) => {
  const input = path.join(dir, 'lost.txt');
  fs.writeFileSync(input, words(3000));
  const reference = path.join(dir, 'lost-ref');
  await runJob({ jobModule: SLOW, input: [input], output: reference, runner: 'inline', conf: { 'sleep.ms': '0' }, reducers: 3 });
  const host2 = testCluster().config.machines[1]!;
  const logs: string[] = [];
  let removed = 0;
  const runner = new ClusterRunner(testCluster().config);
  const report = await runJob({
    jobModule: SLOW,
    input: [input],
    output: path.join(dir, 'lost-out'),
    runner,
    splitSize: 8 * 1024,
    reducers: 3,
    conf: { 'sleep.ms': '0' },
    log: (l) => logs.push(l),
    onProgress: (p) => {
      // Once every map is done and before any reducer fetches: host2's disk loses its map outputs, and
      // the copies the early shuffle made of them on the other machines go too.
      if (removed || p.map.done < p.map.total) return;
      const jobs = path.join(host2.workDir, 'jobs');
      for (const job of fs.readdirSync(jobs)) for (const a of fs.readdirSync(path.join(jobs, job))) if (a.includes('_m_')) {
        fs.rmSync(path.join(jobs, job, a), { recursive: true });
        removed++;
      }
      for (const m of testCluster().config.machines) for (const job of fs.existsSync(path.join(m.workDir, 'jobs')) ? fs.readdirSync(path.join(m.workDir, 'jobs')) : []) fs.rmSync(path.join(m.workDir, 'jobs', job, 'shuffle'), { recursive: true, force: true });
    },
  });
  t.true(removed > 0, 'host2 held map outputs');
  const lost = logs.filter((l) => /lost map output of task_\S+_m_\d+ \(fetch failed: shuffle fetch failed .* on host2: .*\); re-running the map/.test(l));
  t.true(lost.length >= 1, logs.join('\n'));
  t.is(report.maps, Math.ceil(fs.statSync(input).size / (8 * 1024)) + lost.length);
  t.is(outputLines(path.join(dir, 'lost-out')), outputLines(reference));
});

test.serial('speculative execution on the cluster: a straggling map\'s second attempt wins on another slot, the straggler is killed on its host', async (t) => {
  const input = path.join(dir, 'straggle.txt');
  fs.writeFileSync(input, words(300));
  const reference = path.join(dir, 'straggle-ref');
  await runJob({ jobModule: STRAGGLER, input: [input], output: reference, runner: 'inline', reducers: 2 });
  const marker = path.join(dir, 'straggler-finished');
  const logs: string[] = [];
  const runner = new ClusterRunner(testCluster().config);
  const report = await runJob({
    jobModule: STRAGGLER,
    input: [input],
    output: path.join(dir, 'straggle-out'),
    runner,
    splitSize: 2048,
    reducers: 2,
    // Attempt 0 of map 0 sleeps 200 ms a line (about 20 s for its split); every other attempt is fast.
    conf: { 'straggle.ms': '200', 'straggle.marker': marker },
    speculation: { minRunMs: 1000 },
    log: (l) => logs.push(l),
  });
  const text = logs.join('\n');
  t.regex(text, /speculating task_\S+_m_000000 \(attempt 1\)/);
  t.regex(text, /attempt attempt_\S+_m_000000_1 won; killed attempt attempt_\S+_m_000000_0/);
  t.true(report.speculativeAttempts >= 1); // (a loaded machine may slow another map enough to be speculated too)
  t.false(fs.existsSync(marker), 'the straggler never read its whole split');
  t.is(outputLines(path.join(dir, 'straggle-out')), outputLines(reference));
  for (const w of runner.workers()) t.deepEqual(w.busyPids, [], `${w.machine.name}: no attempt left running`);
});

test.serial('a failing attempt\'s whole stderr is in its own log, named in the error; retries go to other machines first', (t) => {
  const input = path.join(dir, 'noisy.txt');
  fs.writeFileSync(input, 'a b\nc d\n');
  const r = bsctl(['run', path.join(process.cwd(), 'test/fixtures/jobs/noisy-throws.ts'), '--input', input, '--output', path.join(dir, 'noisy-out'), '--runner', 'cluster', '--cluster', testCluster().file, '--scheduler', 'http://127.0.0.1:9']);
  t.is(r.code, 1);
  const logs = [...r.stderr.matchAll(/attempt (attempt_\S+_m_000000_(\d)) failed: noisy failure \(while mapping the record at byte 0 of \S+noisy\.txt\) \(attempt log: (\S+\.stderr)\)/g)];
  t.is(logs.length, 4, r.stderr);
  for (const [, id, , file] of logs) {
    t.true(file!.endsWith(`${id}.stderr`));
    t.regex(fs.readFileSync(file!, 'utf8'), /progress dot for a b\./);
  }
  t.notRegex(r.stderr, /DeprecationWarning/);
  t.notRegex(r.stderr, /blacklisting/, 'the 4 attempts were spread over the 3 machines');
  t.false(fs.existsSync(path.join(dir, 'noisy-out')));
});

test.serial('when blacklisting leaves no machine with reduce slots, the queued reduces fail the job at once (no hang); failed attempts\' workers are reused, not leaked', async (t) => {
  const file = clusterVariant(dir, 'reduce-on-one', (c) => {
    c.machines = c.machines.slice(0, 2);
    Object.assign(c.machines[0]!, { mapSlots: 2, reduceSlots: 0 });
    Object.assign(c.machines[1]!, { mapSlots: 0, reduceSlots: 1 });
  });
  const input = path.join(dir, 'reduce-fails.txt');
  fs.writeFileSync(input, words(200));
  const logs: string[] = [];
  const runner = new ClusterRunner(loadClusterConfig(file), (l) => logs.push(l));
  const ALWAYS = path.join(process.cwd(), 'test/fixtures/jobs/always-fails.ts');
  const err = await t.throwsAsync(runJob({ jobModule: ALWAYS, input: [input], output: path.join(dir, 'reduce-fails-out'), runner, reducers: 2, conf: { failIn: 'reduce' }, speculation: { enabled: false }, log: (l) => logs.push(l) }));
  t.regex(logs.join('\n'), /blacklisting host2 for this job: 3 task failures/);
  t.regex(err!.message, /no reduce slot left for this job: every machine with reduce slots is blacklisted or down/);
  // host2 ran 3 failing reduces on one worker: a failed attempt leaves its worker healthy and idle.
  const host2 = runner.scheduler.hosts.hosts[1]!;
  t.is(host2.all.filter((w) => !w.exited).length, 0, 'closed runner stopped its workers');
  t.true(host2.all.length <= 1, `host2 started ${host2.all.length} workers for 3 sequential attempts`);
});

test.serial('full-build with the jieba analyzer and an lz4 summary on 3 SSH hosts: both native addons are shipped beside the bundle; same segments as the local runner', async (t) => {
  const field = (name: string, type: string, analyzer?: string): Record<string, string> => ({ name, type, ...(analyzer ? { analyzer } : {}) });
  const index = (name: string, type: string, fields: string[]): Record<string, unknown> => ({ name, index_type: type, index_config: { index_fields: fields.map((f) => ({ field_name: f })) } });
  const schema = path.join(dir, 'jieba-schema.json');
  fs.writeFileSync(
    schema,
    JSON.stringify({
      columns: [field('title', 'TEXT', 'jieba_analyzer'), field('id', 'UINT32'), field('hits', 'UINT32')],
      indexes: [
        index('id', 'PRIMARY_KEY64', ['id']),
        index('hits', 'ATTRIBUTE', ['hits']),
        index('title', 'TEXT', ['title']),
        { ...index('summary', 'SUMMARY', ['title', 'id']), index_config: { index_fields: [{ field_name: 'title' }, { field_name: 'id' }], compress_type: 'lz4' } },
      ],
    }),
  );
  const titles = ['我们都是中国人', '北京欢迎你', '搜索引擎全量索引构建', '南京市长江大桥', '分布式计算框架'];
  const data = path.join(dir, 'jieba.ha3');
  fs.writeFileSync(data, Array.from({ length: 200 }, (_, i) => `CMD=add\x1F\ntitle=${titles[i % 5]}${i}\x1F\nid=${i}\x1F\nhits=${i % 7}\x1F\n\x1E\n`).join(''));
  for (const m of testCluster().config.machines) fs.rmSync(path.join(m.workDir, 'node_modules'), { recursive: true, force: true });
  const a = await fullBuild({ table: 'jb', schema, data: [data], partitions: 3, indexRoot: path.join(dir, 'jb-local') });
  const b = await fullBuild({ table: 'jb', schema, data: [data], partitions: 3, indexRoot: path.join(dir, 'jb-cluster') }, { runner: new ClusterRunner(testCluster().config), splitSize: 2048 });
  t.deepEqual(digest(b.generationDir), digest(a.generationDir));
  const shipped = testCluster().config.machines.filter((m) => fs.existsSync(path.join(m.workDir, 'node_modules/@node-rs/jieba-linux-x64-gnu/package.json')) || fs.existsSync(path.join(m.workDir, 'node_modules/@node-rs/jieba/package.json')));
  t.true(shipped.length >= 1, 'jieba was shipped to the machines that ran its reduces');
  // lz4-napi's package.json is not in its exports: it is found from its entry point (native-packages.ts).
  t.true(shipped.some((m) => fs.existsSync(path.join(m.workDir, 'node_modules/lz4-napi/package.json'))), 'lz4-napi was shipped');
  t.true(fs.existsSync(path.join(a.generationDir, 'partition_0_21845/segment_0_level_0/summary/block')), 'the summary is compressed');
});

test.serial('the shuffle starts while maps run: finished maps\' segments are copied to their reduce\'s machine, which the reduce then uses', async (t) => {
  const input = path.join(dir, 'early.txt');
  fs.writeFileSync(input, words(3000));
  const reference = path.join(dir, 'early-ref');
  await runJob({ jobModule: SLOW, input: [input], output: reference, runner: 'inline', conf: { 'sleep.ms': '0' }, reducers: 3 });
  const logs: string[] = [];
  const runner = new ClusterRunner(testCluster().config, (l) => logs.push(l));
  await runJob({ jobModule: SLOW, input: [input], output: path.join(dir, 'early-out'), runner, splitSize: 4096, reducers: 3, conf: { 'sleep.ms': '4' } });
  const { copied, used } = runner.job!.earlyShuffle;
  t.true(copied > 0, logs.join('\n'));
  t.true(used > 0 && used <= copied, `${used} of ${copied} early copies used`);
  t.regex(logs.join('\n'), /shuffle: \d+ map output segment\(s\) copied to their reduce's machine while maps ran, \d+ used/);
  t.is(outputLines(path.join(dir, 'early-out')), outputLines(reference));
});
