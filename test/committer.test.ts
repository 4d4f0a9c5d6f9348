/**
 * FileOutputCommitter: job-level atomic output. Nothing at the output path before commitJob; an
 * existing output is refused unless overwrite, and then replaced only at commitJob; abortJob leaves
 * no staging directory and the previous output untouched.
 */
import test from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FileOutputCommitter } from '../framework/output/committer.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bsctl-committer-test-'));
test.after.always(() => fs.rmSync(root, { recursive: true, force: true }));
let n = 0;
/** A fresh parent directory; the output dir is `<parent>/out`. */
function fresh(): { parent: string; out: string } {
  const parent = path.join(root, `p${n++}`);
  fs.mkdirSync(parent);
  return { parent, out: path.join(parent, 'out') };
}

/** Write a file into an attempt directory (what a task's RecordWriter does). */
function writeAttemptFile(c: FileOutputCommitter, attemptId: string, name: string, content: string): void {
  const dir = c.attemptDir(attemptId);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, name), content);
}

/** Every file under dir (relative path → content), recursively. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, rel: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(d, e.name);
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        out[`${r}/`] = '';
        walk(p, r);
      } else out[r] = fs.readFileSync(p, 'latin1');
    }
  };
  walk(dir, '');
  return out;
}

function makeOldOutput(out: string): Record<string, string> {
  fs.mkdirSync(path.join(out, 'nested'), { recursive: true });
  fs.writeFileSync(path.join(out, 'part-r-00000'), 'old data 0\n');
  fs.writeFileSync(path.join(out, 'part-r-00001'), 'old data 1 \u00ff\n');
  fs.writeFileSync(path.join(out, 'nested', 'x'), 'nested old');
  fs.writeFileSync(path.join(out, '_SUCCESS'), '');
  return snapshot(out);
}

/** Names in the parent other than the output itself (staging dirs, leftovers). */
function strays(parent: string): string[] {
  return fs.readdirSync(parent).filter((e) => e !== 'out');
}

test('a committed job: nothing visible before commitJob, then part files and _SUCCESS, no staging left', async (t) => {
  const { parent, out } = fresh();
  const c = new FileOutputCommitter(out, 'job_1_a');
  await c.setupJob();
  t.false(fs.existsSync(out), 'output must not exist after setupJob');
  t.true(fs.existsSync(c.staging));
  t.is(path.dirname(c.staging), parent, 'staging is a sibling of the output');
  t.true(path.basename(c.staging).startsWith('.out.bsctl-'), path.basename(c.staging));

  writeAttemptFile(c, 'attempt_m_0_0', 'part-r-00000', 'zero\n');
  writeAttemptFile(c, 'attempt_m_1_0', 'part-r-00001', 'one\n');
  t.false(fs.existsSync(out));
  await c.commitTask('attempt_m_0_0');
  t.false(fs.existsSync(out), 'output must not exist after commitTask');
  await c.commitTask('attempt_m_1_0');
  t.false(fs.existsSync(out));

  await c.commitJob();
  t.deepEqual(snapshot(out), { _SUCCESS: '', 'part-r-00000': 'zero\n', 'part-r-00001': 'one\n' });
  t.deepEqual(strays(parent), [], 'no staging or other hidden dirs left in the parent');
});

test('an attempt that wrote nothing commits fine; an aborted attempt leaves no files', async (t) => {
  const { parent, out } = fresh();
  const c = new FileOutputCommitter(out, 'job_2');
  await c.setupJob();
  await c.commitTask('attempt_nothing_0');
  writeAttemptFile(c, 'attempt_failed_0', 'part-r-00000', 'partial garbage');
  await c.abortTask('attempt_failed_0');
  t.false(fs.existsSync(c.attemptDir('attempt_failed_0')));
  writeAttemptFile(c, 'attempt_failed_1', 'part-r-00000', 'good\n');
  await c.commitTask('attempt_failed_1');
  await c.commitJob();
  t.deepEqual(snapshot(out), { _SUCCESS: '', 'part-r-00000': 'good\n' });
  t.deepEqual(strays(parent), []);
});

test('a later commit of the same task replaces the earlier committed file', async (t) => {
  const { out } = fresh();
  const c = new FileOutputCommitter(out, 'job_3');
  await c.setupJob();
  writeAttemptFile(c, 'attempt_r_0_0', 'part-r-00000', 'first\n');
  await c.commitTask('attempt_r_0_0');
  writeAttemptFile(c, 'attempt_r_0_1', 'part-r-00000', 'second\n');
  await c.commitTask('attempt_r_0_1');
  await c.commitJob();
  t.deepEqual(snapshot(out), { _SUCCESS: '', 'part-r-00000': 'second\n' });
});

test('an existing output is refused without overwrite, before anything is created', async (t) => {
  const { parent, out } = fresh();
  const before = makeOldOutput(out);
  const c = new FileOutputCommitter(out, 'job_4');
  const err = await t.throwsAsync(c.setupJob());
  t.true(err!.message.includes(out), err!.message);
  t.regex(err!.message, /exists/);
  t.regex(err!.message, /overwrite/);
  await t.throwsAsync(c.checkOutput());
  t.deepEqual(snapshot(out), before);
  t.false(fs.existsSync(c.staging));
  t.deepEqual(strays(parent), []);
});

test('an existing plain file at the output path is refused too', async (t) => {
  const { out } = fresh();
  fs.writeFileSync(out, 'a file, not a dir');
  await t.throwsAsync(new FileOutputCommitter(out, 'job_5').setupJob(), { message: /exists/ });
  t.is(fs.readFileSync(out, 'utf8'), 'a file, not a dir');
});

test('overwrite: the old output stays intact until commitJob, then is replaced entirely', async (t) => {
  const { parent, out } = fresh();
  const before = makeOldOutput(out);
  const c = new FileOutputCommitter(out, 'job_6', true);
  await c.setupJob();
  t.deepEqual(snapshot(out), before, 'after setupJob');
  writeAttemptFile(c, 'attempt_r_0_0', 'part-r-00000', 'new 0\n');
  await c.commitTask('attempt_r_0_0');
  t.deepEqual(snapshot(out), before, 'after commitTask');
  await c.commitJob();
  t.deepEqual(snapshot(out), { _SUCCESS: '', 'part-r-00000': 'new 0\n' }, 'old files (part-r-00001, nested/) are gone');
  t.deepEqual(strays(parent), [], 'no staging or old-output dirs left');
});

test('overwrite with no previous output just publishes', async (t) => {
  const { parent, out } = fresh();
  const c = new FileOutputCommitter(out, 'job_7', true);
  await c.setupJob();
  writeAttemptFile(c, 'a_0', 'part-m-00000', 'x\n');
  await c.commitTask('a_0');
  await c.commitJob();
  t.deepEqual(snapshot(out), { _SUCCESS: '', 'part-m-00000': 'x\n' });
  t.deepEqual(strays(parent), []);
});

test('abortJob: no staging dir left, the old output intact, no new output', async (t) => {
  const { parent, out } = fresh();
  const before = makeOldOutput(out);
  const c = new FileOutputCommitter(out, 'job_8', true);
  await c.setupJob();
  writeAttemptFile(c, 'attempt_r_0_0', 'part-r-00000', 'new\n');
  await c.commitTask('attempt_r_0_0');
  writeAttemptFile(c, 'attempt_r_1_0', 'part-r-00001', 'uncommitted\n');
  await c.abortJob();
  t.false(fs.existsSync(c.staging));
  t.deepEqual(snapshot(out), before);
  t.deepEqual(strays(parent), []);

  const { parent: parent2, out: out2 } = fresh();
  const c2 = new FileOutputCommitter(out2, 'job_9');
  await c2.setupJob();
  writeAttemptFile(c2, 'attempt_r_0_0', 'part-r-00000', 'new\n');
  await c2.abortJob();
  t.false(fs.existsSync(out2));
  t.deepEqual(fs.readdirSync(parent2), []);
});

test('an output that appears during a job without overwrite is not replaced', async (t) => {
  const { out } = fresh();
  const c = new FileOutputCommitter(out, 'job_10');
  await c.setupJob();
  writeAttemptFile(c, 'a_0', 'part-r-00000', 'mine\n');
  await c.commitTask('a_0');
  const intruder = makeOldOutput(out);
  await t.throwsAsync(c.commitJob(), { message: /appeared|exists/ });
  t.deepEqual(snapshot(out), intruder);
  await c.abortJob();
  t.false(fs.existsSync(c.staging));
});

test('two jobs on the same output use different staging dirs', async (t) => {
  const { out } = fresh();
  const a = new FileOutputCommitter(out, 'job_a', true);
  const b = new FileOutputCommitter(out, 'job_b', true);
  t.not(a.staging, b.staging);
  await a.setupJob();
  await b.setupJob();
  writeAttemptFile(a, 'x_0', 'part-r-00000', 'a\n');
  writeAttemptFile(b, 'x_0', 'part-r-00000', 'b\n');
  await a.commitTask('x_0');
  await b.commitTask('x_0');
  await a.commitJob();
  t.is(fs.readFileSync(path.join(out, 'part-r-00000'), 'utf8'), 'a\n');
  await b.commitJob();
  t.is(fs.readFileSync(path.join(out, 'part-r-00000'), 'utf8'), 'b\n');
  t.deepEqual(fs.readdirSync(path.dirname(out)), ['out']);
});

test('an output path whose parent does not exist yet is created at commit', async (t) => {
  const { parent } = fresh();
  const out = path.join(parent, 'a', 'b', 'out');
  const c = new FileOutputCommitter(out, 'job_11');
  await c.setupJob();
  t.false(fs.existsSync(out));
  writeAttemptFile(c, 'a_0', 'part-r-00000', 'deep\n');
  await c.commitTask('a_0');
  await c.commitJob();
  t.deepEqual(snapshot(out), { _SUCCESS: '', 'part-r-00000': 'deep\n' });
  t.deepEqual(fs.readdirSync(path.dirname(out)), ['out']);
});

test('an output path given with a trailing slash works the same', async (t) => {
  const { parent, out } = fresh();
  const c = new FileOutputCommitter(`${out}/`, 'job_12');
  await c.setupJob();
  t.is(path.dirname(c.staging), parent);
  writeAttemptFile(c, 'a_0', 'part-r-00000', 'slash\n');
  await c.commitTask('a_0');
  await c.commitJob();
  t.deepEqual(snapshot(out), { _SUCCESS: '', 'part-r-00000': 'slash\n' });
  t.deepEqual(fs.readdirSync(parent), ['out']);
});

test('a relative output path: the staging dir is a sibling of the output, not at the filesystem root', (t) => {
  // No filesystem access: only where the committer would stage the job.
  for (const rel of ['out', 'a/out', './out']) {
    const c = new FileOutputCommitter(rel, 'job_13');
    t.is(path.resolve(path.dirname(c.staging)), path.dirname(path.resolve(rel)), `${rel} → staging ${c.staging}`);
  }
});
