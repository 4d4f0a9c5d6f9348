import test from 'ava';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileSystemFor } from '../framework/fs/resolve.ts';
import { bsctl, ROOT, tempDir } from './helpers/cli.ts';
import { clusterVariant, testCluster } from './helpers/cluster.ts';
import { hdfsDir, requireHdfs } from './helpers/hdfs.ts';

const dir = tempDir('validate');
test.after.always(() => fs.rmSync(dir, { recursive: true, force: true }));

const ALLOCATIONS = path.join(ROOT, 'config/fair-scheduler.xml');
const IN1_DATA = path.join(ROOT, 'fixtures/in1/data/');
const IN1_SCHEMA = path.join(ROOT, 'fixtures/in1/schema.json');

/** A port nothing listens on (bound, then released). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** A table config file `<name>.json` in the test's dir. */
function tableConfig(name: string, config: Record<string, unknown>): string {
  const file = path.join(dir, `${name}.json`);
  fs.writeFileSync(file, JSON.stringify(config));
  return file;
}

const lines = (stdout: string): string[] => stdout.split('\n').filter(Boolean);
const failures = (stdout: string): string[] => lines(stdout).filter((l) => l.startsWith('FAIL '));
const summary = (stdout: string): string => lines(stdout).at(-1) ?? '';

test('all OK for table in1, the sshd cluster and the allocation file: one line per check, exit 0', (t) => {
  const cluster = testCluster();
  const r = bsctl(['validate', '--table', 'in1', '--cluster', cluster.file, '--allocations', ALLOCATIONS]);
  t.is(r.code, 0, r.stdout + r.stderr);
  const out = lines(r.stdout);
  t.deepEqual(failures(r.stdout), []);
  t.true(out.slice(0, -1).every((l) => l.startsWith('OK   ')), r.stdout);
  t.is(summary(r.stdout), `${out.length - 1} checks, 0 failed`);
  t.true(out.includes(`OK   table in1: config: ${path.join(ROOT, 'config/tables/in1.json')} parses`));
  t.regex(r.stdout, /^OK {3}table in1: schema: .*fixtures\/in1\/schema\.json: 6 field\(s\), analyzers simple_analyzer$/m);
  t.regex(r.stdout, /^OK {3}table in1: data .*fixtures\/in1\/data: exists \(directory\)$/m);
  t.regex(r.stdout, /^OK {3}table in1: index root .*out\/index: /m);
  t.regex(r.stdout, /^OK {3}allocations: .*fair-scheduler\.xml parses: 2 pool\(s\) \(build, adhoc\)$/m);
  for (const m of cluster.config.machines) {
    t.true(out.includes(`OK   ${m.name}: ssh: ${m.user}@${m.host}:${m.port}, host key matches the pinned hostKey`), r.stdout);
    t.regex(r.stdout, new RegExp(`^OK {3}${m.name}: node: v(\\d+)\\.`, 'm'));
    t.regex(r.stdout, new RegExp(`^OK {3}${m.name}: disk ${m.workDir}: \\d+\\.\\d GiB free$`, 'm'));
    t.true(out.includes(`OK   ${m.name}: workDir ${m.workDir}: writable`), r.stdout);
    t.deepEqual(fs.readdirSync(m.workDir).filter((f) => f.startsWith('.bsctl-validate-')), [], 'the probe is removed');
  }
  // Never a key's contents.
  const key = fs.readFileSync(cluster.config.machines[0]!.identityFile, 'utf8').split('\n')[1]!;
  t.false(r.stdout.includes(key));
});

test('a local index root that does not exist yet is probed in its nearest existing parent, which is left as it was', (t) => {
  const parent = path.join(dir, 'roots');
  fs.mkdirSync(parent);
  const file = tableConfig('t_local', { schema: IN1_SCHEMA, data: [IN1_DATA], indexRoot: path.join(parent, 'a/b') });
  const r = bsctl(['validate', '--table-config', file]);
  t.is(r.code, 0, r.stdout + r.stderr);
  t.true(lines(r.stdout).includes(`OK   table t_local: index root ${path.join(parent, 'a/b')}: ${path.join(parent, 'a/b')} does not exist yet; ${parent} (where a build creates it) is writable`), r.stdout);
  t.deepEqual(fs.readdirSync(parent), []);
});

test('a table config whose schema file is missing is a FAIL naming the file, with the fix; exit 1', (t) => {
  const file = tableConfig('t_noschema', { schema: 'missing-schema.json', data: [IN1_DATA], indexRoot: dir });
  const r = bsctl(['validate', '--table-config', file]);
  t.is(r.code, 1, r.stdout + r.stderr);
  const missing = path.join(dir, 'missing-schema.json');
  t.deepEqual(failures(r.stdout), [
    `FAIL table t_noschema: schema: ${missing}: (file): cannot read the schema file (ENOENT) — fix: fix or create the schema file ${missing} (hape, legacy ha3 or v2 tablet JSON)`,
  ]);
  t.regex(summary(r.stdout), /^\d+ checks, 1 failed$/);
});

test('a wrong pinned host key is a FAIL naming the host; the other host is still OK', (t) => {
  const wrong = clusterVariant(dir, 'wrong-key', (c) => {
    c.machines[0]!.hostKey = c.machines[1]!.hostKey;
  });
  const r = bsctl(['validate', '--table', 'in1', '--cluster', wrong]);
  t.is(r.code, 1, r.stdout + r.stderr);
  const f = failures(r.stdout);
  t.is(f.length, 1, r.stdout);
  t.regex(f[0]!, /^FAIL host1: ssh: host key verification failed for host1 \(127\.0\.0\.1:\d+\): the server's key .* is not the pinned hostKey: refusing to connect .* — fix: if host1's key really changed, pin its current key \(ssh-keyscan -p \d+ 127\.0\.0\.1\)/);
  t.false(/^OK {3}host1: (node|disk|workDir)/m.test(r.stdout), 'nothing else is tried on a host whose key is wrong');
  t.regex(r.stdout, /^OK {3}host2: ssh: /m);
  t.regex(summary(r.stdout), /^\d+ checks, 1 failed$/);
});

test('a machine whose port has nothing listening is a FAIL naming it', async (t) => {
  const port = await freePort();
  const down = clusterVariant(dir, 'down', (c) => {
    c.machines[1]!.port = port;
  });
  const r = bsctl(['validate', '--table', 'in1', '--cluster', down]);
  t.is(r.code, 1, r.stdout + r.stderr);
  t.deepEqual(failures(r.stdout), [
    `FAIL host2: ssh: cannot connect to host2 (root@127.0.0.2:${port}): ECONNREFUSED connect ECONNREFUSED 127.0.0.2:${port} — fix: start sshd on 127.0.0.2:${port}, or correct host/port/user/identityFile of host2 in the cluster config`,
  ]);
  t.regex(r.stdout, /^OK {3}host1: workDir /m);
});

test('an allocation file that is not XML is a FAIL naming it', (t) => {
  const file = path.join(dir, 'not-xml.xml');
  fs.writeFileSync(file, 'pools: {build: 4}\n');
  const r = bsctl(['validate', '--table', 'in1', '--allocations', file]);
  t.is(r.code, 1, r.stdout + r.stderr);
  const f = failures(r.stdout);
  t.is(f.length, 1, r.stdout);
  t.regex(f[0]!, new RegExp(`^FAIL allocations: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: invalid XML at line 1: .* — fix: fix the allocation file`));
});

test('an hdfs:// index root on a NameNode port with nothing listening is a FAIL for HDFS and for the root', async (t) => {
  const port = await freePort();
  const file = tableConfig('t_nohdfs', { schema: IN1_SCHEMA, data: [IN1_DATA], indexRoot: 'hdfs:///test/validate-down' });
  const r = bsctl(['validate', '--table-config', file, '--namenode', `http://127.0.0.1:${port}`]);
  t.is(r.code, 1, r.stdout + r.stderr);
  const f = failures(r.stdout);
  t.is(f.length, 2, r.stdout);
  t.regex(f[0]!, new RegExp(`^FAIL hdfs http://127\\.0\\.0\\.1:${port}: .*cannot reach 127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\) — fix: start the NameNode, or pass the right --namenode`));
  t.is(f[1], `FAIL table t_nohdfs: index root hdfs:///test/validate-down: not checked: NameNode http://127.0.0.1:${port} is unreachable — fix: make the NameNode reachable (see the hdfs line)`);
  t.regex(r.stdout, /^OK {3}table t_nohdfs: schema: /m);
});

test('an hdfs:// index root on the test HDFS is reachable and writable; the probe is removed', async (t) => {
  requireHdfs();
  const root = hdfsDir('validate');
  await fileSystemFor(root).mkdirs(root);
  const file = tableConfig('t_hdfs', { schema: IN1_SCHEMA, data: [IN1_DATA], indexRoot: root });
  const r = bsctl(['validate', '--table-config', file]);
  t.is(r.code, 0, r.stdout + r.stderr);
  t.regex(r.stdout, new RegExp(`^OK {3}hdfs ${process.env.BSCTL_NAMENODE}: reachable`, 'm'));
  t.true(lines(r.stdout).includes(`OK   table t_hdfs: index root ${root}: writable`), r.stdout);
  t.deepEqual(await fileSystemFor(root).list(root), []);
  await fileSystemFor(root).delete(root);
});

test('the schedules in the state dir are checked: each expression, zone and command; no daemon to run them is a FAIL', (t) => {
  const stateDir = path.join(dir, 'sched-state');
  fs.mkdirSync(stateDir, { recursive: true });
  const spec = (name: string, cron: string, args: string[], tz?: string) => ({ name, cron, ...(tz ? { tz } : {}), args, cwd: dir, paused: false, createdAt: Date.now() });
  fs.writeFileSync(
    path.join(stateDir, 'schedules.json'),
    JSON.stringify([
      spec('nightly', '0 2 * * *', ['run', 'word-count', '--input', 'a', '--output', 'b'], 'Asia/Shanghai'),
      spec('badflag', '0 3 * * *', ['run', 'word-count', '--input', 'a', '--output', 'b', '--bogus']),
      spec('badzone', '0 3 * * *', ['run', 'word-count', '--input', 'a', '--output', 'b'], 'Nowhere/Land'),
    ]),
  );
  const r = bsctl(['validate', '--table', 'in1', '--state-dir', stateDir]);
  t.is(r.code, 1);
  const line = (name: string): string => r.stdout.split('\n').find((l) => l.includes(` ${name}: `)) ?? '';
  t.regex(line('schedules'), /^FAIL schedules: 3 schedule\(s\) in .* but no scheduler daemon runs them — fix: start it/);
  t.regex(line('schedule nightly'), /^OK {3}schedule nightly: 0 2 \* \* \* \(Asia\/Shanghai\), next run \d{4}-\d\d-\d\dT18:00:00\.000Z: bsctl run word-count/);
  t.regex(line('schedule badflag'), /^FAIL schedule badflag: .*Unknown argument: bogus — fix: change it: bsctl schedule rm badflag/);
  t.regex(line('schedule badzone'), /^FAIL schedule badzone: --tz: unknown time zone "Nowhere\/Land"/);
});
