/**
 * Joins on 3 real sshd hosts (issue 11): replicated, reduce and bloom, inner and semi, equal to the
 * in-memory oracle (test/helpers/join-data.ts) with the side as a local file the runner must ship to
 * the hosts (seen in the job's dir on a host while the job runs); left and anti; merge. The side on the
 * real HDFS is in test/hdfs.test.ts (serial with its HDFS outages). Needs BSCTL_TEST_CLUSTER.
 */
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runJob, type JobReport } from '../framework/runner/driver.ts';
import { ClusterRunner } from '../framework/scheduler/cluster-runner.ts';
import { tempDir } from './helpers/cli.ts';
import { testCluster } from './helpers/cluster.ts';
import { joinCluster, JOIN_JOB as JOB } from './helpers/join-cluster.ts';
import { oracle } from './helpers/join-data.ts';
const dir = tempDir('join-cluster');
test.after.always(() => fs.rmSync(dir, { recursive: true, force: true }));
test.before(() => testCluster());

const { JOB_RECS, SIDE_RECS, sideFile, onCluster } = joinCluster(dir);
let runs = 0;

for (const strategy of ['replicated', 'reduce', 'bloom'] as const) {
  for (const kind of ['inner', 'semi'] as const) {
    test.serial(`3 SSH hosts, ${strategy}, ${kind}, a local side: equals the oracle; the runner shipped the side to the hosts`, async (t) => {
      const run = await onCluster(kind, strategy, sideFile);
      const expected = oracle(kind, JOB_RECS, SIDE_RECS);
      t.true(expected.length > 100);
      t.deepEqual(run.lines, expected);
      t.is(run.report.joins[0]!.strategy, strategy);
      t.true(run.report.maps >= 6, `${run.report.maps} maps`);
      t.is(run.report.counters['Join side']?.['Output records'], expected.length);
      const keys = [...run.shipped.keys()];
      if (strategy === 'reduce') {
        // The side's map task reads a copy of the local file in the job's dir on its host.
        const copies = keys.filter((k) => /:side\/[0-9a-f]{16}-side\.tsv$/.test(k));
        t.true(copies.length >= 1, keys.join(', '));
        for (const k of copies) t.true(run.shipped.get(k)!.equals(fs.readFileSync(sideFile)), `${k} is the side file`);
      } else {
        // The side table (replicated) or its filter (bloom), content-addressed, on every host that ran a map.
        const cached = keys.filter((k) => /:cache\/[0-9a-f]{32}$/.test(k));
        t.true(cached.length >= 2, keys.join(', '));
        t.is(new Set(cached.map((k) => k.split(':')[1])).size, 1, 'one cache file, the same on each host');
      }
    });
  }
}

test.serial('3 SSH hosts, left and anti joins: replicated, reduce and bloom (which falls back to reduce) equal the oracle', async (t) => {
  for (const strategy of ['replicated', 'reduce', 'bloom'] as const) {
    for (const kind of ['left', 'anti'] as const) {
      const run = await onCluster(kind, strategy, sideFile);
      t.deepEqual(run.lines, oracle(kind, JOB_RECS, SIDE_RECS), `${strategy} ${kind}`);
      t.is(run.report.joins[0]!.strategy, strategy === 'bloom' ? 'reduce' : strategy, `${strategy} ${kind}`);
    }
  }
});

/** A job file and a side file, each with one record without a key at byte 5. */
function noKeyFiles(name: string): { job: string; side: string } {
  const job = path.join(dir, name, 'job.tsv');
  const side = path.join(dir, name, 'side.tsv');
  fs.mkdirSync(path.dirname(job), { recursive: true });
  fs.writeFileSync(job, 'k1\ta\n\tnokey\nk2\tb\n');
  fs.writeFileSync(side, 'k1\tr\n\tnokey\nk2\ts\n');
  return { job, side };
}

async function badRecordsOnCluster(strategy: string, files: { job: string; side: string }): Promise<JobReport> {
  const parent = path.join(dir, 'runs', `${++runs}-nokey-${strategy}`);
  fs.mkdirSync(parent, { recursive: true });
  return runJob({ jobModule: JOB, jobExport: 'inner', input: [files.job], sides: { side: [files.side] }, output: path.join(parent, 'out'), runner: new ClusterRunner(testCluster().config), maxBadRecords: 5, conf: { 'bsctl.join.strategy': strategy } });
}

const listed = (r: JobReport): string[][] => r.badRecords.map((b) => [b.path, String(b.offset), b.reason]).sort();

test.serial('3 SSH hosts, replicated: bad records of the job and of a local side name the user\'s files and offsets', async (t) => {
  const files = noKeyFiles('nokey-replicated');
  const report = await badRecordsOnCluster('replicated', files);
  t.deepEqual(listed(report), [[files.job, '5', 'no join key (the job)'], [files.side, '5', 'no join key (side)']].sort());
});

// A local side read by a reduce-side or bloom join's map task on an SSH host is read from the copy
// shipped into the job's dir there (`<workDir>/jobs/<jobId>/side/<hash>-side.tsv`, gone once the job
// ends); its bad records must still name the user's file.
for (const strategy of ['reduce', 'bloom'] as const) {
  test.serial(`3 SSH hosts, ${strategy}: a bad record of a local side names the user's file, not the host's copy`, async (t) => {
    const files = noKeyFiles(`nokey-${strategy}`);
    const report = await badRecordsOnCluster(strategy, files);
    t.deepEqual(listed(report), [[files.job, '5', 'no join key (the job)'], [files.side, '5', 'no join key (side)']].sort());
  });
}

test.serial('3 SSH hosts, merge: two partitioned local outputs join partition by partition, equal to the reduce-side join', async (t) => {
  const MERGE = fileURLToPath(new URL('./fixtures/jobs/join-merge.ts', import.meta.url));
  const base = path.join(dir, 'merge');
  fs.mkdirSync(base, { recursive: true });
  const tsv = (file: string, n: number, keys: number, tag: string): void => fs.writeFileSync(file, Array.from({ length: n }, (_, i) => `k${(i * 7919) % keys}\t${tag}${i}\n`).join(''));
  tsv(path.join(base, 'a.tsv'), 2000, 300, 'a');
  tsv(path.join(base, 'b.tsv'), 400, 500, 'b');
  const run = (o: Parameters<typeof runJob>[0]) => runJob({ log: () => {}, ...o });
  for (const x of ['a', 'b']) await run({ jobModule: MERGE, jobExport: 'partition', runner: 'inline', input: [path.join(base, `${x}.tsv`)], output: path.join(base, x.toUpperCase()), reducers: 3 });
  const outputs: string[][] = [];
  for (const strategy of ['merge', 'reduce'] as const) {
    const out = path.join(base, `out-${strategy}`);
    const r = await run({ jobModule: MERGE, jobExport: 'inner', runner: new ClusterRunner(testCluster().config), input: [path.join(base, 'A')], sides: { side: [path.join(base, 'B')] }, output: out, conf: { 'bsctl.join.strategy': strategy } });
    t.is(r.joins[0]?.strategy, strategy);
    outputs.push(fs.readdirSync(out).filter((f) => f.startsWith('part-')).flatMap((f) => fs.readFileSync(path.join(out, f), 'utf8').split('\n').filter(Boolean)).sort());
  }
  t.true(outputs[0]!.length > 500);
  t.deepEqual(outputs[0], outputs[1]);
});
