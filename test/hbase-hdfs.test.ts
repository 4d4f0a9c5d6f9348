/**
 * scripts/hbase start --hdfs: a second standalone HBase whose data lives on the test HDFS (scripts/hdfs,
 * from $BSCTL_HDFS_PORT_BASE), read by a bsctl job through its own REST gateway.
 */
import test from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fileSystemFor } from '../framework/fs/resolve.ts';
import { runJob } from '../framework/runner/driver.ts';
import { outputLines, tempDir } from './helpers/cli.ts';
import { requireHdfs } from './helpers/hdfs.ts';
import { hbaseScriptWith, testHbase } from './helpers/hbase.ts';

const ROWS = fileURLToPath(new URL('./fixtures/jobs/hbase-rows.ts', import.meta.url));
const hb = testHbase();
const serial = hb ? test.serial : test.serial.skip;
const hex = (s: string): string => Buffer.from(s).toString('hex');

serial('scripts/hbase start --hdfs keeps the tables on the project HDFS; a job reads them through that HBase gateway', async (t) => {
  requireHdfs();
  // Its own state dir and ports (the test HBase keeps its own); the test HDFS from the environment.
  const dir = path.join(os.tmpdir(), `bsctl-hbase-on-hdfs-${process.pid}`);
  const env = { BSCTL_HBASE_DIR: dir, BSCTL_HBASE_PORT_BASE: String(Number(process.env.BSCTL_HBASE_PORT_BASE ?? '25000') + 500) };
  const hbase = (...args: string[]) => hbaseScriptWith(env, ...args);
  const main = process.env.BSCTL_HBASE_REST;
  try {
    const started = hbase('start', '--hdfs');
    t.is(started.code, 0, started.stderr);
    process.env.BSCTL_HBASE_REST = /REST (http:\/\/127\.0\.0\.1:\d+)/.exec(started.stderr)![1]!;
    t.is(hbase('admin', 'create', 'ondfs', '--families', 'a', '--splits', 'row-5').code, 0);
    const tsv = path.join(tempDir('hbase-hdfs'), 'rows.tsv');
    fs.writeFileSync(tsv, 'row-1\ta:x\tone\nrow-7\ta:x\tseven\n');
    t.is(hbase('admin', 'load', 'ondfs', tsv).code, 0);
    // The table's files are on HDFS, under /hbase/<state dir name>: one dir per region.
    const table = `hdfs:///hbase/${path.basename(dir)}/data/default/ondfs`;
    const regions = (await fileSystemFor(table).list(table)).filter((e) => e.isDirectory && !path.posix.basename(e.path).startsWith('.'));
    t.is(regions.length, 2);
    const out = path.join(tempDir('hbase-hdfs-out'), 'out');
    const report = await runJob({ jobModule: ROWS, input: ['hbase://ondfs'], output: out, runner: 'inline', log: () => {} });
    t.is(report.maps, 2);
    t.deepEqual(outputLines(out).trim().split('\n').sort(), [`${hex('row-1')}\ta:x=${hex('one')}`, `${hex('row-7')}\ta:x=${hex('seven')}`]);
  } finally {
    process.env.BSCTL_HBASE_REST = main;
    hbase('stop');
    fs.rmSync(dir, { recursive: true, force: true });
    await fileSystemFor('hdfs:///hbase').delete(`hdfs:///hbase/${path.basename(dir)}`).catch(() => {});
  }
});
