import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fileSystemFor } from '../framework/fs/resolve.ts';
import { textInput } from '../framework/input/text.ts';
import { downloadGeneration } from '../framework/index/package-file.ts';
import { runJob } from '../framework/runner/driver.ts';
import { LocalRunner } from '../framework/runner/local.ts';
import { bsctl, errorLines, outputLines, tempDir } from './helpers/cli.ts';
import { segmentDigest as digest } from './helpers/full-build.ts';
import { hdfsDir, hdfsRead, hdfsScript, hdfsWrite, requireHdfs } from './helpers/hdfs.ts';
import { joinCluster } from './helpers/join-cluster.ts';
import { oracle } from './helpers/join-data.ts';

const WC = fileURLToPath(new URL('../jobs/word-count.ts', import.meta.url));
const SLOW = fileURLToPath(new URL('./fixtures/jobs/slow-count.ts', import.meta.url));
const local = tempDir('hdfs');
test.after.always(() => fs.rmSync(local, { recursive: true, force: true }));

/** ~3 MiB of text whose lines hold multi-byte characters (blocks are 1 MiB, so records straddle them). */
function bigText(): string {
  const words = ['alpha', 'beta', 'γάμμα', '漢字', 'delta', 'epsilon', 'ünïcödé', 'zeta'];
  const lines: string[] = [];
  let size = 0;
  for (let i = 0; size < 3 * 1024 * 1024 + 999; i++) {
    const line = Array.from({ length: 9 }, (_, j) => words[(i * 7 + j * 3) % words.length]! + (i % 13)).join(' ');
    lines.push(line);
    size += Buffer.byteLength(line) + 1;
  }
  return `${lines.join('\n')}\n`;
}

async function hdfsOutputLines(dir: string): Promise<string> {
  const files = (await fileSystemFor(dir).list(dir)).filter((f) => /\/part-/.test(f.path));
  const text = (await Promise.all(files.map((f) => hdfsRead(f.path)))).map((b) => b.toString()).join('');
  return text.split('\n').filter(Boolean).sort().join('\n');
}

test.before(() => requireHdfs());

test.serial('FileSystem on HDFS: create, stat, list, ranged reads, block locations, rename, delete', async (t) => {
  const dir = hdfsDir('ops');
  const hfs = fileSystemFor(dir);
  const data = Buffer.from(bigText());
  await hdfsWrite(`${dir}/a.txt`, data);
  const st = await hfs.stat(`${dir}/a.txt`);
  t.is(st?.length, data.length);
  t.is(st?.blockSize, 1024 * 1024);
  t.deepEqual((await hfs.list(dir)).map((s) => s.path), [`${dir}/a.txt`]);
  for (const [a, b] of [[0, 10], [1048570, 1048590], [data.length - 5, data.length], [2_000_000, 3_000_000], [7, 7]] as const) {
    const chunks: Buffer[] = [];
    for await (const c of hfs.openRead(`${dir}/a.txt`, a, b)) chunks.push(c as Buffer);
    t.true(Buffer.concat(chunks).equals(data.subarray(a, b)), `range ${a}-${b}`);
  }
  const blocks = await hfs.blockLocations(`${dir}/a.txt`, 0, data.length);
  t.is(blocks.length, 4);
  t.deepEqual(blocks.map((b) => b.offset), [0, 1048576, 2097152, 3145728]);
  t.deepEqual(blocks[0]!.hosts, ['127.0.0.1']);
  const err = await t.throwsAsync(hdfsWrite(`${dir}/a.txt`, 'x').then(() => new Promise<void>((resolve, reject) => {
    const w = hfs.create(`${dir}/a.txt`);
    w.on('error', reject).on('finish', resolve).end('again');
  })));
  t.regex(err!.message, /create hdfs:\/\/\/test\/ops-\w+\/a\.txt: FileAlreadyExistsException/);
  await hfs.rename(`${dir}/a.txt`, `${dir}/b.txt`);
  t.is(await hfs.stat(`${dir}/a.txt`), undefined);
  await t.throwsAsync(hfs.rename(`${dir}/nope`, `${dir}/c.txt`), { message: /source does not exist/ });
  await hfs.delete(dir);
  t.is(await hfs.stat(dir), undefined);
});

test.serial('word-count with input and output on HDFS, splits crossing 1 MiB blocks, equals the local run', async (t) => {
  const dir = hdfsDir('wc');
  const text = bigText();
  await hdfsWrite(`${dir}/in/big.txt`, text);
  const splits = await textInput().getSplits([`${dir}/in`], {});
  t.is(splits.length, 3, 'one split per block (the last within 10% slop)');
  t.deepEqual(splits.map((s) => s.hosts), [['127.0.0.1'], ['127.0.0.1'], ['127.0.0.1']]);
  fs.writeFileSync(path.join(local, 'big.txt'), text);
  await runJob({ jobModule: WC, input: [path.join(local, 'big.txt')], output: path.join(local, 'wc'), runner: 'inline' });
  const r = bsctl(['run', 'word-count', '--input', `${dir}/in`, '--output', `${dir}/out`, '--reducers', '3']);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stderr, /3 split\(s\)/);
  t.is(await hdfsOutputLines(`${dir}/out`), outputLines(path.join(local, 'wc')));
  t.truthy(await fileSystemFor(dir).stat(`${dir}/out/_SUCCESS`));
  // Same through webhdfs:// and hdfs://host:port spellings.
  const nn = new URL(process.env.BSCTL_NAMENODE!).host;
  const w = bsctl(['run', 'word-count', '--input', `webhdfs://${nn}${dir.slice('hdfs://'.length)}/in/big.txt`, '--output', `hdfs://127.0.0.1:${process.env.BSCTL_HDFS_PORT_BASE ?? '29000'}${dir.slice('hdfs://'.length)}/out2`]);
  t.is(w.code, 0, w.stderr);
  t.is(await hdfsOutputLines(`${dir}/out2`), outputLines(path.join(local, 'wc')));
});

test.serial('bsctl fs put/ls/cat/stat/get/rm round-trip', (t) => {
  const dir = hdfsDir('fscli');
  const file = path.join(local, 'small.txt');
  fs.writeFileSync(file, 'hello hdfs\n漢字\n');
  t.is(bsctl(['fs', 'mkdir', dir]).code, 0);
  t.is(bsctl(['fs', 'put', file, `${dir}/`]).code, 0);
  t.regex(bsctl(['fs', 'ls', dir]).stdout, /^-\s+18 .* hdfs:\/\/\/test\/fscli-\w+\/small\.txt$/m);
  t.is(bsctl(['fs', 'cat', `${dir}/small.txt`]).stdout, 'hello hdfs\n漢字\n');
  t.is(JSON.parse(bsctl(['fs', 'stat', `${dir}/small.txt`]).stdout).blocks[0].hosts[0], '127.0.0.1');
  const back = path.join(local, 'back');
  t.is(bsctl(['fs', 'get', dir, back]).code, 0);
  t.is(fs.readFileSync(path.join(back, 'small.txt'), 'utf8'), 'hello hdfs\n漢字\n');
  const rmDir = bsctl(['fs', 'rm', dir]);
  t.is(rmDir.code, 1);
  t.regex(rmDir.stderr, /is a directory \(use rm -r\)/);
  t.is(bsctl(['fs', 'rm', '-r', dir]).code, 0);
  const gone = bsctl(['fs', 'ls', dir]);
  t.is(gone.code, 1);
  t.regex(errorLines(gone.stderr)[0] ?? '', /no such file or directory/);
});

test.serial('path not found and NameNode unreachable: one-line errors naming the path', (t) => {
  const missing = bsctl(['run', 'word-count', '--input', 'hdfs:///no/such/input', '--output', 'hdfs:///no/out']);
  t.is(missing.code, 1);
  t.deepEqual(errorLines(missing.stderr), ['bsctl: error: input path hdfs:///no/such/input: no such file or directory']);
  const down = bsctl(['--namenode', 'http://127.0.0.1:39998', 'fs', 'ls', 'hdfs:///']);
  t.is(down.code, 1);
  t.deepEqual(errorLines(down.stderr), ['bsctl: error: stat hdfs:///: cannot reach 127.0.0.1:39998 (ECONNREFUSED)']);
});

test.serial('permission denied: reading and writing as a user without access fail clearly, nothing written', async (t) => {
  const dir = hdfsDir('perm');
  await hdfsWrite(`${dir}/private/in.txt`, 'secret words\n');
  hdfsScript('dfs', '-chmod', '-R', '700', dir.slice('hdfs://'.length));
  const asAlice = ['--hdfs-user', 'alice'];
  const read = bsctl([...asAlice, 'run', 'word-count', '--input', `${dir}/private/in.txt`, '--output', path.join(local, 'perm-out')]);
  t.is(read.code, 1);
  t.regex(errorLines(read.stderr)[0] ?? '', /hdfs:\/\/\/test\/perm-\w+.*AccessControlException: Permission denied: user=alice/);
  t.false(fs.existsSync(path.join(local, 'perm-out')));
  fs.writeFileSync(path.join(local, 'pub.txt'), 'a b\n');
  const write = bsctl([...asAlice, 'run', 'word-count', '--input', path.join(local, 'pub.txt'), '--output', `${dir}/private/out`]);
  t.is(write.code, 1);
  t.regex(errorLines(write.stderr)[0] ?? '', /AccessControlException: Permission denied: user=alice, access=(EXECUTE|WRITE)/);
  t.is(await fileSystemFor(dir).stat(`${dir}/private/out`), undefined);
});

test.serial('safe mode: writes fail with SafeModeException and nothing is published', async (t) => {
  const dir = hdfsDir('safemode');
  fs.writeFileSync(path.join(local, 'sm.txt'), 'a b c\n');
  hdfsScript('dfsadmin', '-safemode', 'enter');
  try {
    const r = bsctl(['run', 'word-count', '--input', path.join(local, 'sm.txt'), '--output', `${dir}/out`]);
    t.is(r.code, 1);
    t.regex(errorLines(r.stderr)[0] ?? '', /SafeModeException: .*safe mode/i);
  } finally {
    hdfsScript('dfsadmin', '-safemode', 'leave');
  }
  t.is(await fileSystemFor(dir).stat(`${dir}/out`), undefined);
});

test.serial('DataNode down: reading fails with a clear error and no output; works again when it is back', async (t) => {
  const dir = hdfsDir('dn');
  await hdfsWrite(`${dir}/in.txt`, 'x y z\n');
  hdfsScript('stop-datanode');
  try {
    const r = bsctl(['run', 'word-count', '--input', `${dir}/in.txt`, '--output', path.join(local, 'dn-out'), '--runner', 'inline']);
    t.is(r.code, 1);
    t.regex(r.stderr, /hdfs:\/\/\/test\/dn-\w+\/in\.txt: (cannot reach 127\.0\.0\.1:\d+ \(ECONNREFUSED\)|\w*(Exception|Error))/);
    t.false(fs.existsSync(path.join(local, 'dn-out')));
  } finally {
    hdfsScript('start-datanode');
  }
  const ok = bsctl(['run', 'word-count', '--input', `${dir}/in.txt`, '--output', path.join(local, 'dn-out')]);
  t.is(ok.code, 0, ok.stderr);
});

test.serial('a rename refused at commit fails the job; the previous output stays intact (only the hidden staging dir remains)', async (t) => {
  const dir = hdfsDir('commit');
  const hfs = fileSystemFor(dir);
  fs.writeFileSync(path.join(local, 'c.txt'), Array.from({ length: 300 }, (_, i) => `w${i % 7}`).join('\n'));
  // alice owns the parent; the previous output exists.
  hdfsScript('dfs', '-mkdir', '-p', `${dir.slice('hdfs://'.length)}/parent`);
  hdfsScript('dfs', '-chown', '-R', 'alice', dir.slice('hdfs://'.length));
  const first = bsctl(['--hdfs-user', 'alice', 'run', 'word-count', '--input', path.join(local, 'c.txt'), '--output', `${dir}/parent/out`]);
  t.is(first.code, 0, first.stderr);
  const before = await hdfsOutputLines(`${dir}/parent/out`);
  // While the job runs, the parent becomes read-only: the commit's renames are refused. The switch
  // happens on an event, the job's first progress report (a map is running: the staging dir exists,
  // the commit is still to come), not after a fixed delay.
  const prevUser = process.env.BSCTL_HDFS_USER;
  let readOnly = false;
  try {
    const job = runJob({
      jobModule: SLOW,
      input: [path.join(local, 'c.txt')],
      output: `${dir}/parent/out`,
      overwrite: true,
      runner: 'inline',
      conf: { 'sleep.ms': '1' },
      onProgress: () => {
        if (readOnly) return;
        readOnly = true;
        hdfsScript('dfs', '-chmod', '555', `${dir.slice('hdfs://'.length)}/parent`);
        process.env.BSCTL_HDFS_USER = 'alice';
      },
    });
    const err = await t.throwsAsync(job);
    t.true(readOnly, 'the parent was made read-only while the job ran');
    t.regex(err!.message, /AccessControlException: Permission denied: user=alice/);
  } finally {
    process.env.BSCTL_HDFS_USER = prevUser;
    hdfsScript('dfs', '-chmod', '755', `${dir.slice('hdfs://'.length)}/parent`);
  }
  t.is(await hdfsOutputLines(`${dir}/parent/out`), before);
  // The read-only parent also kept the job from removing its staging dir: only that hidden entry is left.
  const names = (await hfs.list(`${dir}/parent`)).map((s) => s.path.slice(s.path.lastIndexOf('/') + 1));
  t.true(names.includes('out'));
  const others = names.filter((n) => n !== 'out');
  t.is(others.length, 1, `one staging dir left: ${names.join(', ')}`);
  t.regex(others[0] ?? '', /^\.out\.bsctl-job_\w+$/);
});

test.serial('full-build with data and index root on HDFS: same segment files as a local build; queries served from HDFS', async (t) => {
  const dir = hdfsDir('fb');
  const data = path.join(process.cwd(), 'fixtures/in1/data/docs.ha3');
  await hdfsWrite(`${dir}/data/docs.ha3`, fs.readFileSync(data));
  const localRoot = path.join(local, 'fb-index');
  const a = bsctl(['run', 'full-build', '--table', 'in1', '--data', data, '--index-root', localRoot, '--partitions', '4']);
  t.is(a.code, 0, a.stderr);
  const b = bsctl(['run', 'full-build', '--table', 'in1', '--data', `${dir}/data/docs.ha3`, '--index-root', `${dir}/index`, '--partitions', '4']);
  t.is(b.code, 0, b.stderr);
  t.regex(b.stdout, /published in1 generation 0: partition_0_16383, partition_16384_32767, partition_32768_49151, partition_49152_65535/);
  // On HDFS each partition is a package: three files instead of twenty.
  const names = async (p: string): Promise<string[]> => (await fileSystemFor(p).list(p)).map((s) => s.path.slice(s.path.lastIndexOf('/') + 1));
  t.deepEqual(await names(`${dir}/index/in1/generation_0/partition_0_16383`), ['package_file.__data__0', 'package_file.__meta__', 'version.0']);
  const back = path.join(local, 'fb-back');
  await downloadGeneration(`${dir}/index/in1/generation_0`, back);
  t.deepEqual(digest(back), digest(path.join(localRoot, 'in1/generation_0')));
  // `fullbuild.package=false` uploads the plain files, the layout older bsctl wrote; both are served.
  const c = bsctl(['run', 'full-build', '--table', 'in1', '--data', `${dir}/data/docs.ha3`, '--index-root', `${dir}/plain`, '--partitions', '4', '--conf', 'fullbuild.package=false']);
  t.is(c.code, 0, c.stderr);
  t.true((await names(`${dir}/plain/in1/generation_0/partition_0_16383/segment_0_level_0/summary`)).includes('offset'));
  process.env.BSCTL_CACHE = path.join(local, 'cache');
  for (const root of [`${dir}/index`, `${dir}/plain`]) {
    const q = bsctl(['query', '--table', 'in1', '--index-root', root, "select id, hits from in1 where MATCHINDEX('title', '搜索词典')"]);
    t.is(q.code, 0, q.stderr);
    t.is(q.stdout, '{"id":2,"hits":70}\n', root);
    t.is(bsctl(['status', '--table', 'in1', '--index-root', root]).stdout.trim(), '{"in1":{"status":"READY","generationId":0,"partitions":["partition_0_16383","partition_16384_32767","partition_32768_49151","partition_49152_65535"]}}');
  }
  // What the searcher loaded: both mirrors hold the plain layout, byte for byte the local build's.
  const mirrors = fs.readdirSync(path.join(local, 'cache/index')).map((h) => path.join(local, 'cache/index', h, 'in1/generation_0'));
  t.is(mirrors.length, 2);
  for (const m of mirrors) {
    const { '.bsctl-mirrored': mark, ...files } = digest(m);
    t.truthy(mark);
    t.deepEqual(files, digest(back));
  }
});

test.serial('globs on HDFS match in the last path component; hidden files are skipped', async (t) => {
  const dir = hdfsDir('glob');
  for (const name of ['a-1.txt', 'a-2.txt', 'b-1.txt', '_a-3.txt']) await hdfsWrite(`${dir}/${name}`, `${name} word\n`);
  const files = (await textInput().getSplits([`${dir}/a-*.txt`], { combine: false })).map((s) => s.path);
  t.deepEqual(files, [`${dir}/a-1.txt`, `${dir}/a-2.txt`]);
  const none = bsctl(['run', 'word-count', '--input', `${dir}/c-*.txt`, '--output', path.join(local, 'glob-none')]);
  t.is(none.code, 1);
  t.regex(errorLines(none.stderr)[0] ?? '', /glob matches no file/);
});

test.serial('HDFS names with %, #, ? and spaces are read and listed as they are', async (t) => {
  const dir = hdfsDir('names');
  const names = ['100%.txt', 'a%41.txt', 'x#y.txt', 'q?.txt', 'sp ace.txt'];
  for (const n of names) await hdfsWrite(`${dir}/${n}`, `${n}\n`);
  const listed = (await fileSystemFor(dir).list(dir)).map((s) => s.path.slice(dir.length + 1)).sort();
  t.deepEqual(listed, [...names].sort());
  for (const n of names) t.is((await hdfsRead(`${dir}/${n}`)).toString(), `${n}\n`);
});

test.serial('3 SSH hosts, a join side on HDFS: replicated, reduce and bloom equal the oracle; the side is read from HDFS, never copied', async (t) => {
  const { JOB_RECS, SIDE_RECS, sideFile, onCluster } = joinCluster(path.join(local, 'join'));
  const uri = `${hdfsDir('join-side')}/side.tsv`;
  await hdfsWrite(uri, fs.readFileSync(sideFile));
  for (const [strategy, kind] of [['replicated', 'inner'], ['reduce', 'inner'], ['bloom', 'semi']] as const) {
    const run = await onCluster(kind, strategy, uri);
    t.deepEqual(run.lines, oracle(kind, JOB_RECS, SIDE_RECS), `${strategy} ${kind}`);
    t.is(run.report.joins[0]!.strategy, strategy);
    t.is(run.report.joins[0]!.sideBytes, fs.statSync(sideFile).size);
    // An HDFS side is read where it is: nothing of it is copied into the job's dir.
    t.deepEqual([...run.shipped.keys()].filter((k) => k.includes(':side/')), [], `${strategy}: no side copy`);
  }
});

test.serial('job history kept on HDFS too ($BSCTL_HISTORY_DIR): one record per run, renamed into place, pruned to $BSCTL_HISTORY_MAX_JOBS; bsctl history --history-dir reads it', async (t) => {
  const dir = hdfsDir('history');
  const saved = { ...process.env };
  Object.assign(process.env, { BSCTL_HISTORY_DIR: `${dir}/done`, BSCTL_HISTORY_MAX_JOBS: '2', BSCTL_SCHEDULER_DIR: path.join(local, 'history-state') });
  try {
    fs.writeFileSync(path.join(local, 'h.txt'), 'x y x\n');
    for (let i = 0; i < 3; i++) t.is(bsctl(['run', 'word-count', '--input', path.join(local, 'h.txt'), '--output', path.join(local, `h-out${i}`), '--runner', 'inline']).code, 0);
    const files = (await fileSystemFor(dir).list(`${dir}/done`)).map((s) => path.posix.basename(s.path));
    t.is(files.length, 2, files.join(', '));
    t.true(files.every((f) => /^job_\w+\.json$/.test(f)), 'no temporary file left');
    const remote = JSON.parse(bsctl(['history', '--json', '--history-dir', `${dir}/done`]).stdout) as { jobId: string; status: string; report?: { counters: Record<string, Record<string, number>> } }[];
    const here = JSON.parse(bsctl(['history', '--json']).stdout) as { jobId: string }[];
    t.deepEqual(remote.map((r) => r.jobId), here.map((r) => r.jobId), 'the same newest two records as the state dir keeps');
    t.is(remote[0]!.report?.counters['Map-Reduce Framework']?.['Map input records'], 1);
    process.env.BSCTL_HISTORY_MAX_JOBS = 'lots';
    const bad = bsctl(['run', 'word-count', '--input', path.join(local, 'h.txt'), '--output', path.join(local, 'h-bad'), '--runner', 'inline']);
    t.regex(bad.stderr, /warning: job history not written .*\$BSCTL_HISTORY_MAX_JOBS: must be a whole number ≥ 1 \(got "lots"\)/);
  } finally {
    process.env = saved;
  }
});

test.serial('local runner, output on HDFS: one worker booted ahead beside the slots (an uploading attempt frees its slot early), none for a local output', async (t) => {
  const dir = hdfsDir('spare');
  fs.writeFileSync(path.join(local, 'spare.txt'), 'a b c\nb c d\n'.repeat(200));
  const most = async (output: string): Promise<number> => {
    const runner = new LocalRunner(1);
    let max = 0;
    const poll = setInterval(() => (max = Math.max(max, runner.workerCount)), 10);
    try {
      await runJob({ jobModule: WC, input: [path.join(local, 'spare.txt')], output, runner, reducers: 6 });
      // The spare stays until the runner closes, whether or not it has finished booting.
      max = Math.max(max, runner.workerCount);
    } finally {
      clearInterval(poll);
      await runner.close();
    }
    return max;
  };
  t.is(await most(`${dir}/out`), 2);
  t.is(await most(path.join(local, 'spare-out')), 1);
  t.is(await hdfsOutputLines(`${dir}/out`), outputLines(path.join(local, 'spare-out')));
});
