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
