/**
 * `bsctl logs JOB` (issue 12 item 3): a job's attempt logs, a failed job's probable cause on its first
 * line — the task that exhausted its attempts, its machine, the exception's first line with the
 * record's byte offset, the split — for jobs run by `bsctl run` and by the daemon on the SSH hosts.
 */
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { clientToken } from '../framework/scheduler/auth.ts';
import { readDaemonInfo } from '../framework/scheduler/client.ts';
import { bsctl, errorLines, ROOT, tempDir } from './helpers/cli.ts';
import { testCluster } from './helpers/cluster.ts';

const dir = tempDir('logs');
test.after.always(() => {
  bsctl(['scheduler', 'stop', '--state-dir', path.join(dir, 'daemon')]);
  fs.rmSync(dir, { recursive: true, force: true });
});
const JOB = path.join(ROOT, 'test/fixtures/jobs/stderr-fails.ts');
const input = path.join(dir, 'in.txt');
// "bad" is the third line, at byte 8.
fs.writeFileSync(input, 'one\ntwo\nbad\nfour\n');

const lastJob = (stateDir: string): string => (JSON.parse(bsctl(['history', '--json', '--state-dir', stateDir]).stdout) as { jobId: string }[])[0]!.jobId;

test.serial('a failed local run: the probable cause first (task, machine, exception, record offset, split), then each failed attempt with its log', (t) => {
  const stateDir = path.join(dir, 'local');
  const env = { BSCTL_SCHEDULER_DIR: stateDir };
  Object.assign(process.env, env);
  const run = bsctl(['run', JOB, '--input', input, '--output', path.join(dir, 'out'), '--runner', 'local', '--workers', '1']);
  t.is(run.code, 1);
  const job = lastJob(stateDir);
  const r = bsctl(['logs', job, '--state-dir', stateDir]);
  t.is(r.code, 0, r.stderr);
  const lines = r.stdout.split('\n');
  t.regex(lines[0]!, new RegExp(`^probable cause: task task_${job}_0_m_000000 failed 4 times on localhost: TypeError: cannot map "bad" \\(while mapping the record at byte 8 of ${input}\\); split ${input} \\[0, 17\\); the job's code threw: .*stderr-fails\\.ts`));
  const sections = r.stdout.split('\n== ').slice(1);
  t.is(sections.length, 4, 'the four failed attempts');
  for (const [i, s] of sections.entries()) {
    t.regex(s, new RegExp(`^attempt_${job}_0_m_000000_${i} \\(map, localhost, failed, `));
    t.regex(s, /stderr-fails attempt_\S+: record at 0\n.*record at 4\n.*record at 8/);
  }
  const one = bsctl(['logs', job, '--state-dir', stateDir, '--attempt', `attempt_${job}_0_m_000000_2`]);
  t.is(one.stdout.split('\n== ').length, 2);
  t.regex(one.stdout, /_m_000000_2 \(map/);
  // history show starts with the same line.
  t.is(bsctl(['history', 'show', job, '--state-dir', stateDir]).stdout.split('\n')[0], lines[0]);
  const none = bsctl(['logs', job, '--state-dir', stateDir, '--task', 'task_nope']);
  t.is(none.code, 1);
  t.regex(errorLines(none.stderr)[0] ?? '', /logs: job \S+ has no task task_nope \(its attempts: task_/);
  const unknown = bsctl(['logs', 'job_197001010000_deadbeef', '--state-dir', stateDir]);
  t.regex(errorLines(unknown.stderr)[0] ?? '', /logs: no job job_197001010000_deadbeef in /);
  t.is(bsctl(['logs', '../../etc/passwd', '--state-dir', stateDir]).code, 1);
});

test.serial('a job the daemon ran on the SSH hosts: the probable cause names the machine, the logs come from the daemon (also over its API, with the token only)', async (t) => {
  const stateDir = path.join(dir, 'daemon');
  const start = bsctl(['scheduler', 'start', '--port', '0', '--state-dir', stateDir, '--cluster', testCluster().file, '--jobs-dir', path.dirname(JOB), '--locality-delay', '0']);
  t.is(start.code, 0, start.stderr);
  process.env.BSCTL_SCHEDULER_DIR = stateDir;
  const run = bsctl(['run', JOB, '--input', input, '--output', path.join(dir, 'out2'), '--runner', 'cluster', '--cluster', testCluster().file]);
  t.is(run.code, 1);
  const job = lastJob(stateDir);
  const r = bsctl(['logs', job, '--state-dir', stateDir]);
  t.is(r.code, 0, r.stderr);
  const machines = testCluster().config.machines.map((m) => m.name).join('|');
  t.regex(r.stdout.split('\n')[0]!, new RegExp(`^probable cause: task task_${job}_0_m_000000 failed 4 times on (${machines}): TypeError: cannot map "bad" \\(while mapping the record at byte 8 of ${input}\\)`));
  t.regex(r.stdout, /record at 8/);
  const url = readDaemonInfo(stateDir)!.url;
  const attempt = /== (attempt_\S+)/.exec(r.stdout)![1]!;
  const logUrl = `${url}/jobs/${job}/attempts/${attempt}/log`;
  const res = await fetch(logUrl, { headers: { authorization: `Bearer ${clientToken(stateDir)}` } });
  t.is(res.status, 200);
  t.regex(await res.text(), /stderr-fails .*record at 8/);
  t.is((await fetch(logUrl)).status, 401, 'not without the token');
  t.is((await fetch(`${url}/jobs/${job}/attempts/..%2F..%2Ftoken/log`, { headers: { authorization: `Bearer ${clientToken(stateDir)}` } })).status, 404);
});
