import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runJob } from '../framework/runner/driver.ts';
import { LocalRunner } from '../framework/runner/local.ts';
import { outputLines, tempDir } from './helpers/cli.ts';

const SLOW = fileURLToPath(new URL('./fixtures/jobs/slow-count.ts', import.meta.url));


test('kill -9 of a worker mid-map: the attempt is retried and the job output is identical', async (t) => {
  const dir = tempDir('kill');
  const input = path.join(dir, 'in.txt');
  const lines = Array.from({ length: 400 }, (_, i) => `w${i % 37} x${i % 11} common`);
  fs.writeFileSync(input, `${lines.join('\n')}\n`);
  const reference = path.join(dir, 'ref');
  await runJob({ jobModule: SLOW, input: [input], output: reference, runner: 'inline', conf: { 'sleep.ms': '0' }, reducers: 2 });

  const runner = new LocalRunner(2);
  const logs: string[] = [];
  let killed: number | undefined;
  const out = path.join(dir, 'out');
  const report = await runJob({
    jobModule: SLOW,
    input: [input],
    output: out,
    runner,
    splitSize: 4096,
    conf: { 'sleep.ms': '5' },
    reducers: 2,
    log: (l) => logs.push(l),
    // The event, not a fixed delay: the first progress report of the job comes from a worker that has
    // started a map task (a worker reports as it takes a task); no map has finished yet. Each map
    // then runs about 1 s (5 ms a line), so the kill lands inside an attempt.
    onProgress: (p) => {
      const pid = runner.pids[0];
      if (killed === undefined && pid !== undefined && p.step === 0 && p.map.done === 0) {
        killed = pid;
        process.kill(pid, 'SIGKILL');
      }
    },
  });
  t.truthy(killed, 'a worker was killed');
  t.true(logs.some((l) => /_m_\d{6}_0 failed: worker process exited \(SIGKILL\).*\(retrying\)/.test(l)), logs.join('\n'));
  t.is(outputLines(out), outputLines(reference));
  t.is(report.counters['Map-Reduce Framework']?.['Map input records'], 400);
  fs.rmSync(dir, { recursive: true, force: true });
});

const UPLOADING = fileURLToPath(new URL('./fixtures/jobs/uploading-output.ts', import.meta.url));

test('a reduce whose output is only uploading gives its slot to the next reduce; without the signal the slot is held', async (t) => {
  const dir = tempDir('uploading');
  const input = path.join(dir, 'in.txt');
  fs.writeFileSync(input, `${Array.from({ length: 50 }, (_, i) => `w${i % 7} x`).join('\n')}\n`);
  // The wait ends as soon as the other reduce starts: long with the signal (a worker start on a loaded
  // machine can take seconds), short without it (it always waits the whole time then).
  const run = async (signal: '0' | '1'): Promise<string> => {
    const out = path.join(dir, `out-${signal}`);
    const marks = path.join(dir, `marks-${signal}`);
    const runner = new LocalRunner(1);
    try {
      await runJob({ jobModule: UPLOADING, input: [input], output: out, runner, reducers: 2, conf: { 'upload.signal': signal, 'upload.marks': marks, 'upload.wait.ms': signal === '1' ? '60000' : '2000' } });
    } finally {
      await runner.close();
    }
    return outputLines(out);
  };
  const overlaps = (out: string): string[] => out.split('\n').filter((l) => l.startsWith('overlapped\t')).sort();
  const released = await run('1');
  // The first reduce waited in its upload while the second started on the freed slot.
  t.deepEqual(overlaps(released), ['overlapped\tyes', 'overlapped\tyes'], released);
  t.true(released.includes('w0\t8') && released.includes('w6\t7'), released);
  // One slot and no signal: the first reduce holds it to the end, so it never sees the other start.
  t.deepEqual(overlaps(await run('0')), ['overlapped\tno', 'overlapped\tyes']);
});
