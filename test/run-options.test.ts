import test from 'ava';
import yargs from 'yargs';
import { runBuilder, type RunArgs } from '../framework/cli/run/command.ts';
import { RUN_DEFAULTS, resolveRunOptions } from '../framework/cli/run/resolve.ts';
import type { JobPlan } from '../framework/job/cli.ts';

// Issue 10: one precedence rule for run options — flags > table/job config (the plan) > job defaults >
// built-in defaults — and options the runner ignores are warned about.

async function args(argv: string[]): Promise<RunArgs> {
  return (await runBuilder(yargs(['--input', 'in', '--output', 'out', ...argv])).exitProcess(false).parseAsync()) as RunArgs;
}

const plan: JobPlan = { input: ['/in'], output: '/out', reducers: 4, maxBadRecords: 7, conf: { 'fullbuild.table': 't', shared: 'plan' } };

test('a flag wins over the plan, the plan over the built-in defaults; conf merges key by key', async (t) => {
  const none = resolveRunOptions(await args([]), plan);
  t.is(none.reducers, 4);
  t.is(none.maxBadRecords, 7);
  t.is(none.sortMb, RUN_DEFAULTS.sortMb);
  t.is(none.taskTimeoutMs, RUN_DEFAULTS.taskTimeoutS * 1000);
  t.deepEqual(none.conf, { 'fullbuild.table': 't', shared: 'plan' });
  t.deepEqual(none.warnings, []);
  const flags = resolveRunOptions(await args(['--reducers', '3', '--max-bad-records', '0', '--sort-mb', '64', '--task-timeout', '30', '--conf', 'shared=flag', '--conf', 'x=1']), plan);
  t.is(flags.reducers, 3);
  t.is(flags.maxBadRecords, 0);
  t.is(flags.sortMb, 64);
  t.is(flags.taskTimeoutMs, 30_000);
  t.deepEqual(flags.conf, { 'fullbuild.table': 't', shared: 'flag', x: '1' });
});

test('without a flag or a plan value, the job\'s own default stays (reducers undefined: the step decides)', async (t) => {
  const r = resolveRunOptions(await args([]), { input: ['/in'], output: '/out' });
  t.is(r.reducers, undefined);
  t.is(r.maxBadRecords, RUN_DEFAULTS.maxBadRecords);
  t.false(r.overwrite);
  t.true(resolveRunOptions(await args([]), { input: ['/in'], output: '/out', overwrite: true }).overwrite);
});

test('options the runner ignores are warned about; bad values fail naming the flag', async (t) => {
  t.deepEqual(resolveRunOptions(await args(['--runner', 'inline', '--workers', '3', '--pool', 'gold']), plan).warnings, [
    '--workers is for the local runner; --runner inline ignores it',
    '--pool is for --runner cluster; --runner inline ignores it',
  ]);
  t.deepEqual(resolveRunOptions(await args(['--workers', '3']), plan).warnings, []);
  t.throws(() => resolveRunOptions({ ...({} as RunArgs), input: [], conf: [], runner: 'local', 'sort-mb': 4096, overwrite: false } as RunArgs, plan), { message: /--sort-mb: at most 2047/ });
  t.throws(() => resolveRunOptions({ input: [], conf: ['novalue'], runner: 'local', overwrite: false } as unknown as RunArgs, plan), { message: /--conf: "novalue" is not key=value/ });
});
