/**
 * `npm run bench:join [-- --records 1000000 --strategies replicated,reduce,bloom --job inner|calls]`:
 * generate N call records (callers uniform over 1.25N subscribers, `--subscribers M`; scripts/bench/join-data.ts) and two
 * subscriber files holding 5% and 50% of the ids, then for each case run the same job through the CLI
 * once per strategy (`--conf bsctl.join.strategy=S`), printing wall seconds, shuffle bytes (the
 * report's 'Map output bytes'), Bloom filter size, peak RSS (largest task process, driver) and the load
 * average; check that every strategy gives the same output (lines sorted) and the count the generator
 * predicts; print how much bloom cuts the shuffle bytes against reduce. A replicated run refused by its
 * memory budget is printed as `refused: <message>` and tried again with a raised
 * `bsctl.join.replicated.mb`. The temporary directory under $TMPDIR is removed at the end.
 *
 * `--skew S` (default 0.3; 0 leaves it out) adds a skewed case: one subscriber on the 5% side makes S of the
 * calls, so one reducer streams that many records of one key (peak RSS should stay that of the 5% case).
 *
 * `--job inner` (default, scripts/bench/join-inner.ts): the join alone, so the shuffle bytes are the
 * join's; `--job calls`: jobs/join-calls.ts (join, then calls and seconds per subscriber).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { JobReport } from '../../framework/runner/driver.ts';
import { mib, machineLine, timed } from './measure.ts';
import { expectedCallTotals, subscriberId, writeCalls, writeSubscriberFraction, type CallsSummary, type FractionSummary } from './join-data.ts';

const STRATEGIES = ['replicated', 'reduce', 'bloom', 'auto'] as const;
type Strategy = (typeof STRATEGIES)[number];
const JOBS = {
  inner: fileURLToPath(new URL('./join-inner.ts', import.meta.url)),
  calls: fileURLToPath(new URL('../../jobs/join-calls.ts', import.meta.url)),
} as const;

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '1000000' },
    subscribers: { type: 'string' },
    strategies: { type: 'string', default: 'replicated,reduce,bloom' },
    fractions: { type: 'string', default: '0.05,0.5' },
    job: { type: 'string', default: 'inner' },
    workers: { type: 'string' },
    seed: { type: 'string', default: '1' },
    keep: { type: 'boolean', default: false },
    // A skewed case: this share of the calls from one subscriber (on the side); 0 leaves it out.
    skew: { type: 'string', default: '0.3' },
  },
});

function positiveInt(flag: string, text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`--${flag} must be a positive integer, got ${JSON.stringify(text)}`);
  return n;
}

const records = positiveInt('records', values.records);
// 1.25 subscribers a call: the 50% side (~12.6 MB at 1M calls) is over the default 10 MiB replicated budget, the 5% side fits.
const subscribers = values.subscribers === undefined ? Math.round(1.25 * records) : positiveInt('subscribers', values.subscribers);
const seed = positiveInt('seed', values.seed);
if (values.workers !== undefined) positiveInt('workers', values.workers);
const strategies = values.strategies.split(',').map((s) => s.trim()).filter(Boolean);
for (const s of strategies) if (!(STRATEGIES as readonly string[]).includes(s)) throw new Error(`--strategies: unknown strategy ${JSON.stringify(s)} (one of ${STRATEGIES.join(', ')})`);
const fractions = values.fractions.split(',').map((f) => Number(f));
for (const f of fractions) if (!(f > 0 && f <= 1)) throw new Error(`--fractions: each must be in (0, 1], got ${values.fractions}`);
if (!(values.job in JOBS)) throw new Error(`--job must be one of ${Object.keys(JOBS).join(', ')}, got ${JSON.stringify(values.job)}`);
const jobName = values.job as keyof typeof JOBS;

const BSCTL = fileURLToPath(new URL('../../bin/bsctl.js', import.meta.url));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bsctl-bench-join-'));
const cleanup = (): void => {
  if (!values.keep) fs.rmSync(dir, { recursive: true, force: true });
};
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    cleanup();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  });
}

interface Result {
  readonly strategy: Strategy;
  readonly label: string;
  readonly seconds: number;
  readonly shuffleBytes: number;
  readonly filterBytes: number | undefined;
  readonly taskRss: number;
  readonly driverRss: number;
  readonly load: number;
  readonly lines: number;
  readonly digest: string;
  readonly chosen: string;
}

type Counters = JobReport['counters'];
type JoinReport = { readonly step?: unknown; readonly side?: unknown; readonly kind?: unknown; readonly strategy?: unknown; readonly reason?: unknown };

const counter = (c: Counters, group: string, name: string): number | undefined => c[group]?.[name];

/** The Bloom filter's size in bytes from the 'Join' counters (any counter naming a filter's bytes). */
function filterBytes(c: Counters): number | undefined {
  let bytes: number | undefined;
  for (const join of Object.values(joinCounters(c))) {
    for (const [name, n] of Object.entries(join)) if (/filter/i.test(name) && /bytes/i.test(name)) bytes = (bytes ?? 0) + n;
  }
  return bytes;
}

/** The counter groups of the joins: 'Join', or 'Join <side>' per side. */
function joinCounters(c: Counters): Record<string, Readonly<Record<string, number>>> {
  return Object.fromEntries(Object.entries(c).filter(([group]) => group === 'Join' || group.startsWith('Join ')));
}

/** Sorted lines of the part files: how many and their sha256 (the same output whatever the order). */
function digestOutput(out: string): { lines: number; digest: string } {
  const lines: string[] = [];
  for (const f of fs.readdirSync(out).filter((n) => n.startsWith('part-'))) {
    for (const line of fs.readFileSync(path.join(out, f), 'utf8').split('\n')) if (line) lines.push(line);
  }
  lines.sort();
  const hash = createHash('sha256');
  for (const l of lines) hash.update(`${l}\n`);
  return { lines: lines.length, digest: hash.digest('hex') };
}

/** The `bsctl: ...` error lines of a failed run (or its stderr's tail). */
function errorOf(stderr: string): string {
  const lines = stderr.split('\n').filter((l) => l.startsWith('bsctl:'));
  return (lines.length ? lines.join(' | ') : stderr.trim().split('\n').slice(-3).join(' | ')).slice(0, 600);
}

async function runOnce(calls: string, side: string, strategy: Strategy, label: string, extraConf: readonly string[]): Promise<Result | { refused: string }> {
  const out = path.join(dir, `out-${label}`);
  const reportFile = path.join(dir, `report-${label}.json`);
  const args = [BSCTL, 'run', JOBS[jobName], '--input', calls, '--side', `subscribers=${side}`, '--output', out, '--report-json', reportFile];
  if (strategy !== 'auto') args.push('--conf', `bsctl.join.strategy=${strategy}`);
  for (const c of extraConf) args.push('--conf', c);
  if (values.workers) args.push('--workers', values.workers);
  const load = os.loadavg()[0]!;
  const r = await timed(process.execPath, args);
  if (r.code !== 0) {
    const message = errorOf(r.stderr);
    if (strategy === 'replicated' && /budget/i.test(message)) return { refused: message };
    throw new Error(`${label}: bsctl exited ${r.code}: ${message}\n${r.stderr.slice(-3000)}`);
  }
  const report = JSON.parse(fs.readFileSync(reportFile, 'utf8')) as JobReport & { joins?: readonly JoinReport[] };
  const joins = report.joins ?? [];
  const chosen = joins.length ? joins.map((j) => `${String(j.strategy)} (${String(j.reason)})`).join('; ') : '(no joins in the report)';
  if (strategy !== 'auto' && joins.length && joins.some((j) => j.strategy !== strategy)) throw new Error(`${label}: forced ${strategy}, the report says ${chosen}`);
  const { lines, digest } = digestOutput(out);
  fs.rmSync(out, { recursive: true, force: true });
  console.log(`    ${label}: ${r.seconds.toFixed(2)} s; strategy ${chosen}; ${JSON.stringify(joinCounters(report.counters))}`);
  return {
    strategy,
    label,
    seconds: r.seconds,
    shuffleBytes: counter(report.counters, 'Map-Reduce Framework', 'Map output bytes') ?? 0,
    filterBytes: filterBytes(report.counters),
    taskRss: report.maxTaskRss,
    driverRss: report.driverRss,
    load,
    lines,
    digest,
    chosen,
  };
}

/** The lines the job must output, from the generator's own tallies. */
function expectedLines(summary: CallsSummary, side: FractionSummary): number {
  if (jobName === 'calls') return expectedCallTotals(summary, side.has).length;
  let n = 0;
  for (let i = 0; i < summary.calls.length; i++) if (side.has(i)) n += summary.calls[i]!;
  return n;
}

const pad = (s: string, n: number): string => s.padStart(n);

function printTable(rows: readonly Result[]): void {
  console.log(`    ${'strategy'.padEnd(28)}${pad('wall s', 9)}${pad('shuffle bytes', 15)}${pad('filter bytes', 14)}${pad('task RSS', 12)}${pad('driver RSS', 12)}${pad('load', 6)}${pad('lines', 10)}`);
  for (const r of rows) {
    console.log(
      `    ${r.label.padEnd(28)}${pad(r.seconds.toFixed(2), 9)}${pad(String(r.shuffleBytes), 15)}${pad(r.filterBytes === undefined ? '-' : String(r.filterBytes), 14)}${pad(mib(r.taskRss), 12)}${pad(mib(r.driverRss), 12)}${pad(r.load.toFixed(2), 6)}${pad(String(r.lines), 10)}`,
    );
  }
}

let failed = false;
try {
  console.log(machineLine(`job ${path.relative(process.cwd(), JOBS[jobName])}`));
  const calls = path.join(dir, 'calls.tsv');
  process.stdout.write(`generating ${records} call records over ${subscribers} subscribers ... `);
  const summary = writeCalls(calls, { records, subscribers, seed });
  console.log(`${mib(summary.bytes)}`);
  const skew = Number(values.skew);
  if (!(skew >= 0 && skew < 1)) throw new Error(`--skew must be in [0, 1), got ${values.skew}`);
  const cases: { fraction: number; skewed: boolean }[] = fractions.map((fraction) => ({ fraction, skewed: false }));
  if (skew > 0) cases.push({ fraction: 0.05, skewed: true });
  for (const { fraction, skewed } of cases) {
    const pct = `${+(fraction * 100).toFixed(2)}%`;
    const sideFile = path.join(dir, `subscribers-${pct.replace('%', 'pct')}${skewed ? '-skew' : ''}.tsv`);
    let side = writeSubscriberFraction(sideFile, { subscribers, fraction, seed: seed + 100 });
    let callsFile = calls;
    let callsSummary = summary;
    if (skewed) {
      // One hot subscriber makes `skew` of the calls, and is on the side: its records stream through one reducer.
      callsFile = path.join(dir, 'calls-skew.tsv');
      callsSummary = writeCalls(callsFile, { records, subscribers, seed, hotShare: skew });
      if (!side.has(0)) {
        fs.appendFileSync(sideFile, `${subscriberId(0)}\tplus\tOslo\n`);
        const has = side.has;
        side = { ...side, rows: side.rows + 1, has: (i: number) => i === 0 || has(i) };
      }
    }
    const want = expectedLines(callsSummary, side);
    console.log(`case ${pct}${skewed ? `, skewed (${subscriberId(0)} makes ${skew * 100}% of the calls)` : ''}: side of ${side.rows} subscribers (${mib(side.bytes)}), ${want} output lines expected`);
    const rows: Result[] = [];
    for (const strategy of strategies as Strategy[]) {
      let r = await runOnce(callsFile, sideFile, strategy, strategy, []);
      if ('refused' in r) {
        console.log(`    refused: ${r.refused}`);
        const mb = Math.max(64, Math.ceil((side.bytes / 1024 / 1024) * 8));
        r = await runOnce(callsFile, sideFile, strategy, `${strategy} (${mb} MiB budget)`, [`bsctl.join.replicated.mb=${mb}`]);
        if ('refused' in r) {
          console.log(`    refused again: ${r.refused}`);
          continue;
        }
      }
      rows.push(r);
    }
    printTable(rows);
    for (const r of rows) {
      if (r.lines !== want) {
        failed = true;
        console.log(`    WRONG: ${r.label} wrote ${r.lines} lines, the generator predicts ${want}`);
      }
    }
    const digests = new Set(rows.map((r) => r.digest));
    if (digests.size > 1) {
      failed = true;
      console.log(`    DIFFERENT OUTPUTS: ${rows.map((r) => `${r.label} ${r.digest.slice(0, 12)}`).join(', ')}`);
    } else if (rows.length > 1) console.log(`    all ${rows.length} strategies: identical output (sha256 of the sorted lines ${rows[0]!.digest.slice(0, 16)}...)`);
    const reduce = rows.find((r) => r.strategy === 'reduce');
    const bloom = rows.find((r) => r.strategy === 'bloom');
    if (reduce && bloom && reduce.shuffleBytes > 0) {
      console.log(`    bloom vs reduce: shuffle bytes ${bloom.shuffleBytes} vs ${reduce.shuffleBytes}, ${((1 - bloom.shuffleBytes / reduce.shuffleBytes) * 100).toFixed(1)}% less; wall ${bloom.seconds.toFixed(2)} s vs ${reduce.seconds.toFixed(2)} s`);
    }
    const fastest = [...rows].sort((a, b) => a.seconds - b.seconds)[0];
    if (fastest) console.log(`    fastest: ${fastest.label}`);
    fs.rmSync(sideFile);
    if (skewed) fs.rmSync(callsFile);
  }
} finally {
  cleanup();
}
if (failed) {
  console.error('bench:join: the strategies disagree or differ from the generator (see above)');
  process.exitCode = 1;
}
