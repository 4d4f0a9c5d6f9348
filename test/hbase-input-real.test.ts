/**
 * hbaseInput and the full build against the real HBase `npm test` starts (scripts/hbase): one map per
 * region at its server, rows read exactly once (also when a region splits mid-job), clipped ranges,
 * mappersPerRegion, binary values, and an HBase table as full-build data.
 */
import test from 'ava';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runJob } from '../framework/runner/driver.ts';
import { LocalRunner } from '../framework/runner/local.ts';
import { outputLines, ROOT, tempDir } from './helpers/cli.ts';
import { fullBuild, segmentDigest } from './helpers/full-build.ts';
import { waitFor } from './helpers/wait.ts';

const ROWS = fileURLToPath(new URL('./fixtures/jobs/hbase-rows.ts', import.meta.url));

function requireHBase(): void {
  if (!process.env.BSCTL_TEST_HBASE || !process.env.BSCTL_HBASE_REST) {
    throw new Error('no test HBase: run `npm test` (it starts one), or `scripts/hbase start` and export BSCTL_TEST_HBASE=1 plus `scripts/hbase env`');
  }
}

/** Table admin that needs HBase's Java client (pre-split create, split): scripts/hbase admin, a JVM each. */
function admin(...args: string[]): string {
  const r = spawnSync(path.join(ROOT, 'scripts/hbase'), ['admin', ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`scripts/hbase admin ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

const rest = (p: string, init?: RequestInit): Promise<Response> =>
  fetch(`${process.env.BSCTL_HBASE_REST}${p}`, { ...init, headers: { accept: 'application/json', 'content-type': 'application/json' } }).then(async (r) => {
    if (!r.ok) throw new Error(`HBase REST ${init?.method ?? 'GET'} ${p}: HTTP ${r.status} ${await r.text()}`);
    return r;
  });
const b64 = (s: string): string => Buffer.from(s).toString('base64');

/** Rows through the REST gateway (one multi-row put): [row, column, value]. */
async function put(table: string, cells: readonly (readonly [string, string, string])[]): Promise<void> {
  const rows = new Map<string, { column: string; $: string }[]>();
  for (const [row, column, value] of cells) rows.set(row, [...(rows.get(row) ?? []), { column: b64(column), $: b64(value) }]);
  const body = { Row: [...rows].map(([key, cell]) => ({ key: b64(key), Cell: cell })) };
  await rest(`/${table}/batch`, { method: 'PUT', body: JSON.stringify(body) });
}

const drop = async (table: string): Promise<void> => void (await rest(`/${table}/schema`, { method: 'DELETE' }));
const regionCount = async (table: string): Promise<number> => ((await (await rest(`/${table}/regions`)).json()) as { Region: unknown[] }).Region.length;

let tables = 0;
/** A table pre-split at row-025, row-050, row-075 holding row-000..row-099 (families a and b). */
async function loadTable(): Promise<{ table: string; expected: Map<string, string> }> {
  const table = `bsctl_in_${process.pid}_${tables++}`;
  admin('create', table, '--families', 'a,b', '--splits', 'row-025,row-050,row-075');
  const cells: [string, string, string][] = [];
  const expected = new Map<string, string>();
  for (let i = 0; i < 100; i++) {
    const row = `row-${String(i).padStart(3, '0')}`;
    cells.push([row, 'a:n', String(i)], [row, 'b:sq', String(i * i)]);
    expected.set(Buffer.from(row).toString('hex'), `a:n=${Buffer.from(String(i)).toString('hex')},b:sq=${Buffer.from(String(i * i)).toString('hex')}`);
  }
  await put(table, cells);
  return { table, expected };
}

const linesOf = (out: string): Map<string, string> => new Map(outputLines(out).trim().split('\n').map((l) => l.split('\t') as [string, string]));

/** The table the read-only tests share (made by the first that needs it, dropped at the end). */
let shared: Promise<{ table: string; expected: Map<string, string> }> | undefined;
const sharedTable = (): Promise<{ table: string; expected: Map<string, string> }> => (shared ??= loadTable());
test.after.always(async () => {
  if (shared) await drop((await shared).table);
});

test.serial('a job over an HBase table: one map per region, every row once with its cells', async (t) => {
  requireHBase();
  const { table, expected } = await sharedTable();
  const out = path.join(tempDir('hbase-in'), 'out');
  const report = await runJob({ jobModule: ROWS, input: [`hbase://${table}`], output: out, runner: 'inline' });
  t.is(report.maps, 4);
  t.deepEqual(linesOf(out), expected);
});

test.serial('clipped to startRow/stopRow, two maps per region, one family only', async (t) => {
  requireHBase();
  const { table, expected } = await sharedTable();
  const out = path.join(tempDir('hbase-clip'), 'out');
  const report = await runJob({ jobModule: ROWS, jobExport: 'clipped', input: [`hbase://${table}`], output: out, runner: 'inline' });
  // row-020..row-079 touches all 4 regions, 2 maps each.
  t.is(report.maps, 8);
  const want = new Map([...expected].filter(([k]) => {
    const row = Buffer.from(k, 'hex').toString();
    return row >= 'row-020' && row < 'row-080';
  }).map(([k, v]) => [k, v.split(',')[0]!]));
  t.deepEqual(linesOf(out), want);
});

test.serial('a region split while a map is part way through its scan: every row still read exactly once', async (t) => {
  requireHBase();
  const dir = tempDir('hbase-split');
  const { table, expected } = await loadTable();
  const out = path.join(dir, 'out');
  const reached = path.join(dir, 'reached');
  const hold = path.join(dir, 'hold');
  const runner = new LocalRunner(2);
  try {
    // The map of the first region stops at row-010 (its scanner open, rows up to row-024 still to come)
    // until the region has been split at row-012.
    const job = runJob({ jobModule: ROWS, input: [`hbase://${table}`], output: out, runner, conf: { 'hold.row': 'row-010', 'hold.reached': reached, 'hold.file': hold } });
    await waitFor(() => fs.existsSync(reached), { what: 'the map to reach row-010', timeoutMs: 60_000 });
    const split = spawn(path.join(ROOT, 'scripts/hbase'), ['admin', 'split', table, 'row-012'], { stdio: 'ignore' });
    t.is(await new Promise((r) => split.on('exit', r)), 0);
    t.is(await regionCount(table), 5);
    fs.writeFileSync(hold, '');
    await job;
  } finally {
    fs.writeFileSync(hold, '');
    await runner.close();
  }
  t.deepEqual(linesOf(out), expected);
  await drop(table);
});

test.serial('full build with an HBase table as data: the same index as from the same documents in an ha3 file', async (t) => {
  requireHBase();
  const dir = tempDir('hbase-fb');
  // in1's add documents, as ha3 and as rows (row key = id; half the rows have no cf:id: the key gives it).
  const docs = fs
    .readFileSync(path.join(ROOT, 'fixtures/in1/data/docs.ha3'), 'utf8')
    .split('\x1e\n')
    .map((d) => d.split('\x1f\n').filter(Boolean).map((f) => [f.slice(0, f.indexOf('=')), f.slice(f.indexOf('=') + 1)] as const))
    .filter((fields) => fields.some(([k, v]) => k === 'CMD' && v === 'add'));
  t.true(docs.length >= 10);
  const ha3 = path.join(dir, 'docs.ha3');
  fs.writeFileSync(ha3, docs.map((fields) => `${fields.map(([k, v]) => `${k}=${v}\x1f\n`).join('')}\x1e\n`).join(''));
  const table = `bsctl_fb_${process.pid}`;
  admin('create', table, '--families', 'cf', '--splits', '3,6');
  // In document order, one put each: a later add of an id overwrites its cells (in1 repeats ids with the same fields).
  for (const [i, fields] of docs.entries()) {
    const id = fields.find(([k]) => k === 'id')![1];
    await put(table, fields.filter(([k]) => k !== 'CMD' && !(k === 'id' && i % 2 === 1)).map(([k, v]) => [id, `cf:${k}`, v] as const));
  }
  const schema = path.join(ROOT, 'fixtures/in1/schema.json');
  try {
    const fromFile = await fullBuild({ table: 'in1', schema, data: [ha3], partitions: 2, indexRoot: path.join(dir, 'a') });
    const fromTable = await fullBuild({ table: 'in1', schema, data: [`hbase://${table}`], partitions: 2, indexRoot: path.join(dir, 'b') });
    t.is(fromTable.maps, 3, 'one map per region');
    const ids = new Set(docs.map((fields) => fields.find(([k]) => k === 'id')![1]));
    t.is(fromTable.counters['full-build']?.['Documents indexed'], ids.size);
    t.is(fromFile.counters['full-build']?.['Documents indexed'], ids.size);
    t.deepEqual(segmentDigest(fromTable.generationDir), segmentDigest(fromFile.generationDir));
  } finally {
    await drop(table);
  }
});
