import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runJob } from '../framework/runner/driver.ts';
import type { RunOptions } from '../framework/runner/options.ts';
import { tempDir } from './helpers/cli.ts';

const JOBS = fileURLToPath(new URL('./fixtures/jobs/join-merge.ts', import.meta.url));
const dir = tempDir('join-merge');
test.after.always(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Seeded rows `k<n>\t<side><i>` with keys 0..keys-1 drawn unevenly (duplicates on both sides). */
function rows(file: string, n: number, keys: number, seed: number, tag: string): [string, string][] {
  let x = seed;
  const next = (): number => ((x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const out: [string, string][] = [];
  for (let i = 0; i < n; i++) out.push([`k${Math.floor(next() ** 2 * keys)}`, `${tag}${i}`]);
  fs.writeFileSync(file, out.map(([k, p]) => `${k}\t${p}\n`).join(''));
  return out;
}

const run = (o: Partial<RunOptions> & Pick<RunOptions, 'jobExport' | 'input' | 'output'>) => runJob({ jobModule: JOBS, runner: 'inline', log: () => {}, ...o });
const lines = (out: string): string[] =>
  fs
    .readdirSync(out)
    .filter((f) => f.startsWith('part-'))
    .flatMap((f) => fs.readFileSync(path.join(out, f), 'utf8').split('\n').filter(Boolean))
    .sort();

test.serial('merge join of two outputs partitioned alike equals an in-memory oracle and the reduce-side join, every kind', async (t) => {
  const a = rows(path.join(dir, 'a.tsv'), 3000, 400, 7, 'a');
  const b = rows(path.join(dir, 'b.tsv'), 500, 600, 11, 'b');
  await run({ jobExport: 'partition', input: [path.join(dir, 'a.tsv')], output: path.join(dir, 'A'), reducers: 3 });
  await run({ jobExport: 'partition', input: [path.join(dir, 'b.tsv')], output: path.join(dir, 'B'), reducers: 3 });
  const side = new Map<string, string[]>();
  for (const [k, p] of b) side.set(k, [...(side.get(k) ?? []), p]);
  const expected: Record<string, string[]> = { inner: [], left: [], semi: [], anti: [] };
  for (const [k, p] of a) {
    const m = side.get(k) ?? [];
    for (const q of m) expected.inner!.push(JSON.stringify({ key: k, value: { left: [k, p], right: [k, q] } }));
    expected.left!.push(...(m.length ? m.map((q) => JSON.stringify({ key: k, value: { left: [k, p], right: [k, q] } })) : [JSON.stringify({ key: k, value: { left: [k, p] } })]));
    (m.length ? expected.semi! : expected.anti!).push('');
  }
  for (const kind of ['inner', 'left', 'semi', 'anti']) {
    const out = (s: string): string => path.join(dir, `${kind}-${s}`);
    const merged = await run({ jobExport: kind, input: [path.join(dir, 'A')], sides: { side: [path.join(dir, 'B')] }, output: out('merge'), conf: { 'bsctl.join.strategy': 'merge' } });
    await run({ jobExport: kind, input: [path.join(dir, 'A')], sides: { side: [path.join(dir, 'B')] }, output: out('reduce'), conf: { 'bsctl.join.strategy': 'reduce' } });
    t.is(merged.joins[0]?.strategy, 'merge');
    t.is(merged.maps, 3, 'one map task per partition');
    t.deepEqual(lines(out('merge')), lines(out('reduce')), kind);
    if (kind === 'inner' || kind === 'left') t.deepEqual(lines(out('merge')), expected[kind]!.sort(), kind);
    else t.is(lines(out('merge')).length, expected[kind]!.length, kind);
  }
  t.true(expected.inner!.length > 100 && expected.anti!.length > 100, 'the data has matches and misses');
});

test.serial('a merge join of differently partitioned inputs is refused before any task; a file out of key order fails naming it', async (t) => {
  await run({ jobExport: 'partition', input: [path.join(dir, 'b.tsv')], output: path.join(dir, 'B2'), reducers: 2 });
  const err = await t.throwsAsync(run({ jobExport: 'inner', input: [path.join(dir, 'A')], sides: { side: [path.join(dir, 'B2')] }, output: path.join(dir, 'bad'), conf: { 'bsctl.join.strategy': 'merge' } }));
  t.regex(err!.message, /merge join with side: the job's input has 3 partition file\(s\), side side 2, not the same partitions/);
  t.false(fs.existsSync(path.join(dir, 'bad')));
  const raw = await t.throwsAsync(run({ jobExport: 'inner', input: [path.join(dir, 'a.tsv')], sides: { side: [path.join(dir, 'B')] }, output: path.join(dir, 'bad'), conf: { 'bsctl.join.strategy': 'merge' } }));
  t.regex(raw!.message, /a\.tsv \(the job's input\) is not a partition file \(part-r-NNNNN\)/);
  // Partition files whose keys are not sorted.
  for (const side of ['L', 'R']) fs.mkdirSync(path.join(dir, side), { recursive: true });
  fs.writeFileSync(path.join(dir, 'L', 'part-r-00000'), 'k1\tx\nk3\ty\nk2\tz\n');
  fs.writeFileSync(path.join(dir, 'R', 'part-r-00000'), 'k1\tq\nk2\tr\n');
  const unsorted = await t.throwsAsync(run({ jobExport: 'inner', input: [path.join(dir, 'L')], sides: { side: [path.join(dir, 'R')] }, output: path.join(dir, 'bad'), conf: { 'bsctl.join.strategy': 'merge' } }));
  t.regex(unsorted!.message, /L\/part-r-00000 at byte 10: not sorted by the join key/);
  t.regex(unsorted!.message, /failed once, not retried/);
  t.false(fs.existsSync(path.join(dir, 'bad')));
});

test.serial('replicated joins followed by a step run inside its mappers (no pass of their own); before a reduce-side join they run as a step', async (t) => {
  const CHAIN = fileURLToPath(new URL('./fixtures/jobs/join-chain.ts', import.meta.url));
  const base = path.join(dir, 'chain');
  fs.mkdirSync(base, { recursive: true });
  fs.writeFileSync(path.join(base, 'rows.tsv'), Array.from({ length: 3000 }, (_, i) => `k${(i * 37) % 500}\tr${i}\n`).join(''));
  fs.writeFileSync(path.join(base, 'keys.tsv'), Array.from({ length: 200 }, (_, i) => `k${i * 2}\n`).join(''));
  fs.writeFileSync(path.join(base, 'subs.tsv'), Array.from({ length: 150 }, (_, i) => `k${i * 3}\ts${i}\n`).join(''));
  const go = (jobExport: string) =>
    runJob({ jobModule: CHAIN, jobExport, runner: 'inline', log: () => {}, input: [path.join(base, 'rows.tsv')], sides: { keys: [path.join(base, 'keys.tsv')], subs: [path.join(base, 'subs.tsv')] }, output: path.join(base, jobExport) });
  const both = await go('replicatedReplicated');
  t.is(both.maps, 1, 'both joins and the step in one map task');
  t.is(both.reduces, 0);
  const expected = lines(path.join(base, 'replicatedReplicated'));
  t.is(expected.length, 1200); // keys k0, k2, ..., k398: 200 of the 500 keys, 6 rows each
  t.true(expected.includes('k6,r338,s2\t1') && expected.includes('k2,r446,-\t1'));
  for (const [jobExport, maps] of [['replicatedReduce', 1 + 2 + 2], ['reduceReplicated', 2 + 2], ['reduceReduce', 2 + 3 + 2]] as const) {
    const r = await go(jobExport);
    t.deepEqual(lines(path.join(base, jobExport)), expected, jobExport);
    // Map tasks: a replicated join before a reduce-side one runs as a map-only step (1 map); a reduce-side
    // join maps both inputs (rows or the previous step's files, and the side); a step after a reduce reads
    // its 2 part files; a replicated join before the step adds none.
    t.is(r.maps, maps, jobExport);
  }
});
