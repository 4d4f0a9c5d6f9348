#!/usr/bin/env node
// `npm test`: type-check (including the type-level tests) while it starts a real HDFS (scripts/hdfs, 1 MiB
// blocks), a real HBase (scripts/hbase: standalone master + REST gateway, started beside the others
// since it takes longest), a real YARN on that HDFS (scripts/yarn, in the background once HDFS is up)
// and three real sshd hosts (scripts/sshd) for the integration tests, each with
// its own state dir and ports, run every ava test, stop them, and end with a line `N passed, N failed`
// counted from ava's results.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const HDFS = path.join(ROOT, 'scripts/hdfs');
const SSHD = path.join(ROOT, 'scripts/sshd');
const HBASE = path.join(ROOT, 'scripts/hbase');
const YARN = path.join(ROOT, 'scripts/yarn');
const sshdEnv = {
  ...process.env,
  BSCTL_SSHD_DIR: path.join(os.tmpdir(), `bsctl-sshd-test-${os.userInfo().uid}`),
  BSCTL_SSHD_PORT_BASE: process.env.BSCTL_SSHD_PORT_BASE ?? '23200',
};
const hdfsEnv = {
  ...process.env,
  BSCTL_HDFS_DIR: path.join(os.tmpdir(), `bsctl-hdfs-test-${os.userInfo().uid}`),
  BSCTL_HDFS_PORT_BASE: process.env.BSCTL_HDFS_PORT_BASE ?? '30000',
};
const hbaseEnv = {
  ...process.env,
  BSCTL_HBASE_DIR: path.join(os.tmpdir(), `bsctl-hbase-test-${os.userInfo().uid}`),
  BSCTL_HBASE_PORT_BASE: process.env.BSCTL_HBASE_PORT_BASE ?? '21000',
};
const yarnEnv = {
  ...hdfsEnv,
  BSCTL_YARN_DIR: path.join(os.tmpdir(), `bsctl-yarn-test-${os.userInfo().uid}`),
  BSCTL_YARN_PORT_BASE: process.env.BSCTL_YARN_PORT_BASE ?? '20000',
};
let failed = 0;

/** Run a service script's `start` in the background; resolves with its exit code. */
function startInBackground(script, env) {
  return new Promise((resolve) => {
    const c = spawn(script, ['start'], { env, stdio: ['ignore', 'inherit', 'inherit'] });
    c.on('error', (e) => {
      console.error(`${path.relative(ROOT, script)} start: ${e.message}`);
      resolve(1);
    });
    c.on('close', (code) => resolve(code));
  });
}

/**
 * What the test machine needs and may lack: Maven (Hadoop's and HBase's jars), Java (and javac, for
 * scripts/hbase's admin helper), curl, gcc (scripts/yarn's loopback shim) — needed before the services
 * start — and gmond (the Ganglia sink's test), Chromium (the web UI's browser test) and sshd (scripts/sshd
 * would install it itself), needed later: when only those are missing they install in the background
 * while HDFS, HBase and YARN start. Installed when we are root. Resolves when apt-get is done.
 */
function ensureTools() {
  const now = { mvn: 'maven', java: 'openjdk-17-jre-headless', javac: 'openjdk-17-jdk-headless', curl: 'curl', gcc: 'gcc' };
  const later = { gmond: 'ganglia-monitor', chromium: 'chromium', '/usr/sbin/sshd': 'openssh-server' };
  const lacking = (tools) => Object.keys(tools).filter((t) => spawnSync('sh', ['-c', `command -v ${t}`]).status !== 0);
  const needNow = lacking(now);
  const missing = [...needNow, ...lacking(later)];
  if (missing.length === 0) return Promise.resolve();
  const pkgs = missing.map((m) => now[m] ?? later[m]);
  if (process.getuid?.() !== 0) {
    console.error(`missing ${missing.join(', ')}; install: apt-get install ${pkgs.join(' ')}`);
    return Promise.resolve();
  }
  console.error(`installing ${pkgs.join(' ')} ...`);
  const install = `apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${pkgs.join(' ')}`;
  if (needNow.length > 0) {
    spawnSync('sh', ['-c', install], { stdio: 'inherit' });
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    const c = spawn('sh', ['-c', install], { stdio: ['ignore', 'ignore', 'inherit'] });
    c.on('error', () => resolve());
    c.on('close', (code) => {
      if (code !== 0) console.error(`apt-get install ${pkgs.join(' ')} failed (${code})`);
      resolve();
    });
  });
}

// The type check runs while the tools install and the services start (it is CPU, they mostly wait).
const typecheck = new Promise((resolve) => {
  const c = spawn('npx', ['tsc', '--noEmit', '-p', 'tsconfig.json'], { stdio: 'inherit', cwd: ROOT });
  c.on('error', () => resolve(1));
  c.on('close', (code) => resolve(code));
});

const tools = ensureTools();
// HBase starts in the background while HDFS and sshd start; awaited before the tests run.
spawnSync(HBASE, ['stop'], { env: hbaseEnv, stdio: 'ignore' });
spawnSync('rm', ['-rf', hbaseEnv.BSCTL_HBASE_DIR]);
const hbaseStarted = startInBackground(HBASE, hbaseEnv);
spawnSync(HDFS, ['stop'], { env: hdfsEnv, stdio: 'ignore' });
spawnSync('rm', ['-rf', hdfsEnv.BSCTL_HDFS_DIR]);
const started = spawnSync(HDFS, ['start', '--block-size', '1m'], { env: hdfsEnv, stdio: 'inherit' });
// A scheduler daemon the developer runs must not take the tests' jobs: they look in their own state dir.
const testEnv = { ...hdfsEnv, BSCTL_SCHEDULER_DIR: path.join(os.tmpdir(), `bsctl-scheduler-test-${os.userInfo().uid}`) };
if (started.status === 0) {
  const env = spawnSync(HDFS, ['env'], { env: hdfsEnv, encoding: 'utf8' }).stdout;
  for (const m of env.matchAll(/export (\w+)=(\S+)/g)) testEnv[m[1]] = m[2];
  testEnv.BSCTL_TEST_HDFS = '1';
} else {
  console.error('scripts/hdfs start failed: the HDFS tests will fail');
}
// YARN runs on the HDFS just started.
spawnSync(YARN, ['stop'], { env: yarnEnv, stdio: 'ignore' });
spawnSync('rm', ['-rf', yarnEnv.BSCTL_YARN_DIR]);
const yarnStarted = started.status === 0 ? startInBackground(YARN, yarnEnv) : Promise.resolve(1);

// scripts/sshd needs openssh-server, which may still be installing.
await tools;
spawnSync(SSHD, ['stop'], { env: sshdEnv, stdio: 'ignore' });
if (spawnSync(SSHD, ['start', '--hosts', '3'], { env: sshdEnv, stdio: 'inherit' }).status === 0) {
  const cluster = path.join(sshdEnv.BSCTL_SSHD_DIR, 'cluster.json');
  const config = spawnSync(SSHD, ['cluster'], { env: sshdEnv, encoding: 'utf8' }).stdout;
  fs.writeFileSync(cluster, config);
  Object.assign(testEnv, { BSCTL_TEST_CLUSTER: cluster, BSCTL_SSHD_DIR: sshdEnv.BSCTL_SSHD_DIR, BSCTL_SSHD_PORT_BASE: sshdEnv.BSCTL_SSHD_PORT_BASE });
} else {
  console.error('scripts/sshd start failed: the cluster tests will fail');
}

if ((await hbaseStarted) === 0) {
  const env = spawnSync(HBASE, ['env'], { env: hbaseEnv, encoding: 'utf8' }).stdout;
  for (const m of env.matchAll(/export (\w+)=(\S+)/g)) testEnv[m[1]] = m[2];
  Object.assign(testEnv, { BSCTL_TEST_HBASE: '1', BSCTL_HBASE_DIR: hbaseEnv.BSCTL_HBASE_DIR, BSCTL_HBASE_PORT_BASE: hbaseEnv.BSCTL_HBASE_PORT_BASE });
} else {
  testEnv.BSCTL_TEST_HBASE = 'start-failed'; // the HBase tests fail (not skip), pointing here
  console.error('scripts/hbase start failed: the HBase tests will fail');
}
if ((await yarnStarted) === 0) {
  const env = spawnSync(YARN, ['env'], { env: yarnEnv, encoding: 'utf8' }).stdout;
  for (const m of env.matchAll(/export (\w+)='?([^'\s]+)'?/g)) testEnv[m[1]] = m[2];
  Object.assign(testEnv, { BSCTL_TEST_YARN: '1', BSCTL_YARN_DIR: yarnEnv.BSCTL_YARN_DIR, BSCTL_YARN_PORT_BASE: yarnEnv.BSCTL_YARN_PORT_BASE });
} else {
  testEnv.BSCTL_TEST_YARN = 'start-failed';
  console.error('scripts/yarn start failed: the YARN tests will fail');
}

if ((await typecheck) !== 0) {
  console.error('typecheck failed (see above)');
  failed++;
}

const child = spawn('npx', ['ava', '--tap', ...process.argv.slice(2)], { stdio: ['ignore', 'pipe', 'inherit'], cwd: ROOT, env: testEnv });
let passed = 0;
let skipped = 0;
let buffered = '';
// When each file's results came (seconds since ava started): to see where the suite's time goes.
const avaStart = Date.now();
const firstResult = new Map();
const lastResult = new Map();
const gaps = [];
child.stdout.setEncoding('utf8').on('data', (chunk) => {
  process.stdout.write(chunk);
  buffered += chunk;
  const lines = buffered.split('\n');
  buffered = lines.pop() ?? '';
  for (const line of lines) {
    if (/^ok \d+/.test(line)) {
      if (/# SKIP|# TODO/.test(line)) skipped++;
      else passed++;
    } else if (/^not ok \d+/.test(line)) failed++;
    const m = /^(?:not )?ok \d+ - (.+) › (.*?)(?: # .*)?$/.exec(line);
    if (m) {
      const now = (Date.now() - avaStart) / 1000;
      // A file's first result says when it was scheduled as much as how long its test took: not counted.
      if (lastResult.has(m[1])) gaps.push({ file: m[1], title: m[2], seconds: now - lastResult.get(m[1]) });
      else firstResult.set(m[1], now);
      lastResult.set(m[1], now);
    }
  }
});

/** The slowest results (time since the file's previous one: a serial test's duration, roughly). */
function timings() {
  const slow = [...gaps].sort((a, b) => b.seconds - a.seconds).slice(0, 30);
  const files = [...lastResult].sort((a, b) => b[1] - a[1]);
  console.log('\n# slowest results (s since the previous result of the same file):');
  for (const g of slow) console.log(`#   ${g.seconds.toFixed(1).padStart(6)}  ${g.file} › ${g.title.slice(0, 90)}`);
  console.log('# files, last to finish first (s after ava started: first result .. last result):');
  for (const [f, last] of files) console.log(`#   ${f}: ${firstResult.get(f).toFixed(0)} .. ${last.toFixed(0)}`);
}
child.on('close', (code) => {
  timings();
  spawnSync(YARN, ['stop'], { env: yarnEnv, stdio: 'inherit' });
  spawnSync(HDFS, ['stop'], { env: hdfsEnv, stdio: 'inherit' });
  spawnSync(SSHD, ['stop'], { env: sshdEnv, stdio: 'inherit' });
  spawnSync(HBASE, ['stop'], { env: hbaseEnv, stdio: 'inherit' });
  if (code !== 0 && failed === 0) failed = 1; // ava itself failed (e.g. a crash before any test)
  console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
  process.exitCode = failed > 0 || code !== 0 ? 1 : 0;
});
