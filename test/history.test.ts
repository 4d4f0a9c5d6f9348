/**
 * Job history (issue 12 item 2, first slice): every `bsctl run` leaves one record in
 * `<state dir>/history/<jobId>.json`; `bsctl history` lists and filters them, `history show JOB` prints
 * one. (Jobs the daemon runs are recorded by the daemon: test/scheduler.test.ts.)
 */
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { bsctl, errorLines, ROOT, tempDir } from './helpers/cli.ts';

const dir = tempDir('history');
const stateDir = path.join(dir, 'state');
process.env.BSCTL_SCHEDULER_DIR = stateDir;
test.after.always(() => fs.rmSync(dir, { recursive: true, force: true }));

interface Record {
  jobId: string;
  status: string;
  name: string;
  command: string;
  table?: string;
  generation?: number;
  error?: string;
  report?: { counters: { [group: string]: { [name: string]: number } } };
}
const records = (...flags: string[]): Record[] => JSON.parse(bsctl(['history', '--json', ...flags]).stdout) as Record[];

test.serial('a succeeded and a failed run are recorded, newest first; --failed filters; show prints the report', (t) => {
  const input = path.join(dir, 'words.txt');
  fs.writeFileSync(input, 'a b a\nc\n');
  const out = path.join(dir, 'wc');
  t.is(bsctl(['run', 'word-count', '--input', input, '--output', out, '--runner', 'inline']).code, 0);
  const again = bsctl(['run', 'word-count', '--input', input, '--output', out, '--runner', 'inline']);
  t.is(again.code, 1);
  const all = records();
  t.is(all.length, 2);
  t.like(all[0], { status: 'failed', name: 'word-count' });
  t.regex(all[0]!.error ?? '', /already exists/);
  t.like(all[1], { status: 'succeeded', name: 'word-count', command: `bsctl run word-count --input ${input} --output ${out} --runner inline` });
  t.is(all[1]!.report?.counters['Map-Reduce Framework']?.['Map input records'], 2);
  t.deepEqual(records('--failed').map((r) => r.jobId), [all[0]!.jobId]);
  const list = bsctl(['history']);
  t.regex(list.stdout.split('\n')[0]!, new RegExp(`^${all[0]!.jobId} +failed .* word-count \\(inline, \\S+\\) — output directory .* already exists`));
  const show = bsctl(['history', 'show', all[1]!.jobId]);
  t.is(show.code, 0, show.stderr);
  t.regex(show.stdout, /^command: bsctl run word-count/m);
  t.regex(show.stdout, /Map input records=2/);
  t.true(fs.existsSync(path.join(stateDir, 'history', `${all[1]!.jobId}.json`)));
});

test.serial('a full build records its table and the generation it published; --table filters', (t) => {
  const root = path.join(dir, 'index');
  const args = ['run', 'full-build', '--table', 'hist', '--schema', path.join(ROOT, 'fixtures/in1/schema.json'), '--data', path.join(ROOT, 'fixtures/in1/data'), '--index-root', root, '--runner', 'inline'];
  t.is(bsctl(args).code, 0);
  t.is(bsctl(args).code, 0);
  const builds = records('--table', 'hist');
  t.deepEqual(builds.map((b) => [b.status, b.table, b.generation]), [['succeeded', 'hist', 1], ['succeeded', 'hist', 0]]);
  t.deepEqual(records('--table', 'other'), []);
  // The schema's JSON in the conf is shortened in the record.
  const show = JSON.parse(bsctl(['history', 'show', builds[0]!.jobId, '--json']).stdout) as { conf: { [k: string]: string } };
  t.regex(show.conf['fullbuild.schema'] ?? '', /^<\d+ characters>$/);
});

test.serial('a corrupt history file is skipped with a warning; bad flags and unknown jobs are clear errors', (t) => {
  fs.writeFileSync(path.join(stateDir, 'history', 'job_202601010000_deadbeef.json'), '{"version": 1, "jobId": ');
  const r = bsctl(['history']);
  t.is(r.code, 0);
  t.regex(r.stderr, /warning: skipping history file .*job_202601010000_deadbeef\.json/);
  t.true(r.stdout.trim().split('\n').length >= 4);
  const since = bsctl(['history', '--since', '7x']);
  t.is(since.code, 1);
  t.regex(errorLines(since.stderr)[0] ?? '', /--since: "7x" is not a duration like 30m, 12h or 7d/);
  t.is(records('--since', '1h').length >= 4, true);
  const unknown = bsctl(['history', 'show', 'job_nope']);
  t.is(unknown.code, 1);
  t.regex(errorLines(unknown.stderr)[0] ?? '', /history show: no job job_nope in .*history/);
  t.is(bsctl(['history', 'show', '../etc']).code, 1);
});

interface Attempt {
  attemptId: string;
  taskId: string;
  type: string;
  machine: string;
  status: string;
  start?: number;
  end: number;
  error?: string;
  log?: string;
  split?: string;
  bytesIn: number;
  bytesOut: number;
}

test.serial('each task attempt is recorded: machine, times, status, bytes; a failed one with its error, the record offset and its log', (t) => {
  const input = path.join(dir, 'attempts.txt');
  fs.writeFileSync(input, 'a b a\nc d\n');
  const ok = bsctl(['run', 'word-count', '--input', input, '--output', path.join(dir, 'wc-attempts'), '--runner', 'local', '--workers', '1', '--reducers', '2']);
  t.is(ok.code, 0, ok.stderr);
  const done = JSON.parse(bsctl(['history', 'show', records()[0]!.jobId, '--json']).stdout) as { attempts: Attempt[] };
  t.deepEqual(done.attempts.map((a) => [a.type, a.status, a.machine]).sort(), [['map', 'succeeded', 'localhost'], ['reduce', 'succeeded', 'localhost'], ['reduce', 'succeeded', 'localhost']]);
  const map = done.attempts.find((a) => a.type === 'map')!;
  t.is(map.bytesIn, 10);
  t.true(map.bytesOut > 0);
  t.is(map.split, `${input} [0, 10)`);
  t.true(map.start! <= map.end);
  t.is(done.attempts.filter((a) => a.type === 'reduce').reduce((n, a) => n + a.bytesIn, 0), map.bytesOut, 'reduces read what the map wrote');

  const fails = bsctl(['run', path.join(ROOT, 'test/fixtures/jobs/always-fails.ts'), '--input', input, '--output', path.join(dir, 'fails'), '--runner', 'local', '--workers', '1']);
  t.is(fails.code, 1);
  const failed = JSON.parse(bsctl(['history', 'show', records('--failed')[0]!.jobId, '--json']).stdout) as { attempts: Attempt[] };
  const bad = failed.attempts.filter((a) => a.status === 'failed');
  t.is(bad.length, 4);
  t.is(new Set(bad.map((a) => a.taskId)).size, 1);
  for (const a of bad) {
    t.regex(a.error ?? '', /boom: mapper always fails .*\(while mapping the record at byte 0 of .*attempts\.txt\)/);
    t.true(fs.existsSync(a.log ?? ''), `attempt log ${a.log}`);
  }
});
