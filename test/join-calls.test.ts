/**
 * The example job jobs/join-calls.ts on generated data (scripts/bench/join-data.ts, skewed callers and
 * one hot caller): for every strategy its output equals the generator's own per-caller tallies; a
 * malformed call record is a bad record naming its file and offset; a duplicate subscriber id fails.
 */
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runJob } from '../framework/runner/driver.ts';
import { expectedCallTotals, writeCalls, writeSubscriberFraction } from '../scripts/bench/join-data.ts';
import { leftovers, outputLines, tempDir } from './helpers/cli.ts';

const JOB = fileURLToPath(new URL('../jobs/join-calls.ts', import.meta.url));
const dir = tempDir('join-calls');
test.after.always(() => fs.rmSync(dir, { recursive: true, force: true }));

const calls = path.join(dir, 'calls.tsv');
const subs = path.join(dir, 'subs.tsv');
const summary = writeCalls(calls, { records: 3000, subscribers: 1500, zipf: 0.8, hotShare: 0.2, seed: 5 });
const side = writeSubscriberFraction(subs, { subscribers: 1500, fraction: 0.3, seed: 8 });
const expected = expectedCallTotals(summary, side.has).join('\n');

test('the generator: deterministic, the side holds about the fraction asked, the hot caller is in the calls', (t) => {
  const again = path.join(dir, 'calls-again.tsv');
  writeCalls(again, { records: 3000, subscribers: 1500, zipf: 0.8, hotShare: 0.2, seed: 5 });
  t.true(fs.readFileSync(again).equals(fs.readFileSync(calls)));
  t.true(side.rows > 0.25 * 1500 && side.rows < 0.35 * 1500, `${side.rows} rows`);
  t.true(summary.calls[0]! >= 0.15 * 3000, `hot caller made ${summary.calls[0]} calls`);
  t.true(side.has(0), 'the hot caller is a listed subscriber');
  t.true(expected.split('\n').length > 50);
});

for (const strategy of ['replicated', 'reduce', 'bloom', 'auto'] as const) {
  test(`join-calls, strategy ${strategy}: calls and seconds per listed subscriber equal the generator's tallies`, async (t) => {
    const out = path.join(dir, `out-${strategy}`);
    const report = await runJob({
      jobModule: JOB,
      input: [calls],
      sides: { subscribers: [subs] },
      output: out,
      runner: 'inline',
      splitSize: 16 * 1024,
      reducers: 3,
      conf: strategy === 'auto' ? {} : { 'bsctl.join.strategy': strategy },
    });
    t.is(outputLines(out), expected);
    t.is(report.joins.length, 1);
    t.is(report.joins[0]!.side, 'subscribers');
    if (strategy !== 'auto') t.is(report.joins[0]!.strategy, strategy);
  });
}

test('a malformed call record is a bad record naming the file and offset; a duplicate subscriber fails the job', async (t) => {
  const good = 's0000001\ts0000002\t1793491200\t60\tc1\n';
  const bad = path.join(dir, 'bad-calls.tsv');
  fs.writeFileSync(bad, `${good}s0000001\ts0000002\t1793491200\tlong\tc1\n${good}`);
  const one = path.join(dir, 'one-sub.tsv');
  fs.writeFileSync(one, 's0000001\tplus\tOslo\n');
  const out = path.join(dir, 'out-bad');
  const report = await runJob({ jobModule: JOB, input: [bad], sides: { subscribers: [one] }, output: out, runner: 'inline', maxBadRecords: 1 });
  t.is(outputLines(out), 's0000001\t2\t120');
  t.is(report.badRecordCount, 1);
  t.like(report.badRecords[0], { path: bad, offset: Buffer.byteLength(good) });

  const dup = path.join(dir, 'dup-subs.tsv');
  fs.writeFileSync(dup, 's0000001\tplus\tOslo\ns0000002\tplus\tRiga\ns0000001\tplus\tLyon\n');
  const failed = path.join(dir, 'out-dup');
  const err = await t.throwsAsync(runJob({ jobModule: JOB, input: [calls], sides: { subscribers: [dup] }, output: failed, runner: 'inline' }));
  t.regex(err!.message, /s0000001/, err!.message);
  t.false(fs.existsSync(failed));
  t.deepEqual(leftovers(failed), []);
});
