/**
 * hbaseInput and the full build against the real HBase `npm test` starts (scripts/hbase): one map per
 * region at its server, rows read exactly once (also when a region splits mid-job), clipped ranges,
 * mappersPerRegion, binary values, and an HBase table as full-build data.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runJob } from '../framework/runner/driver.ts';
import { loadTable as loadIndex } from '../framework/serving/loader.ts';
import { queryJsonLines } from '../framework/serving/sql.ts';
import { LocalRunner } from '../framework/runner/local.ts';
import { outputLines, ROOT, tempDir } from './helpers/cli.ts';
import { fullBuild, segmentDigest } from './helpers/full-build.ts';
import { b64, hbaseAdmin, hbaseScript, testHbase } from './helpers/hbase.ts';
import { waitFor } from './helpers/wait.ts';

const ROWS = fileURLToPath(new URL('./fixtures/jobs/hbase-rows.ts', import.meta.url));

const hb = testHbase();
const serial = hb ? test.serial : test.serial.skip;
const admin = hbaseAdmin;

const rest = (p: string, init?: RequestInit): Promise<Response> =>
  fetch(`${process.env.BSCTL_HBASE_REST}${p}`, { ...init, headers: { accept: 'application/json', 'content-type': 'application/json' } }).then(async (r) => {
    if (!r.ok) throw new Error(`HBase REST ${init?.method ?? 'GET'} ${p}: HTTP ${r.status} ${await r.text()}`);
    return r;
  });

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

serial('a job over an HBase table: one map per region, every row once with its cells', async (t) => {
  const { table, expected } = await sharedTable();
  const out = path.join(tempDir('hbase-in'), 'out');
  const report = await runJob({ jobModule: ROWS, input: [`hbase://${table}`], output: out, runner: 'inline' });
  t.is(report.maps, 4);
  t.deepEqual(linesOf(out), expected);
  // A family the table does not have would scan nothing: refused before any task.
  const err = await t.throwsAsync(runJob({ jobModule: ROWS, jobExport: 'noFamily', input: [`hbase://${table}`], output: `${out}-zz`, runner: 'inline' }));
  t.regex(err!.message, new RegExp(`hbase://${table}: no column family zz \\(hbaseInput columns zz:q\\); the table's families: a, b`));
  t.false(fs.existsSync(`${out}-zz`));
});

serial('clipped to startRow/stopRow, two maps per region, one family only', async (t) => {
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

serial('a region split while a map is part way through its scan: every row still read exactly once', async (t) => {
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

serial('full build with an HBase table as data: the same index as from the same documents in an ha3 file', async (t) => {
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

/** A second REST gateway of the test HBase (scripts/hbase gateway), to stop and start under a job. */
const GATEWAY_PORT = Number(process.env.BSCTL_HBASE_PORT_BASE ?? '25000') + 85;
function gateway(action: 'start' | 'stop'): void {
  const r = hbaseScript('gateway', action, String(GATEWAY_PORT));
  if (r.code !== 0) throw new Error(`scripts/hbase gateway ${action} ${GATEWAY_PORT} failed: ${r.stderr}`);
}

/** Run the rows job through the second gateway, its first map held at row-010 while `during` runs. */
async function throughGateway(table: string, dir: string, during: () => void, run: { maxAttempts?: number } = {}): Promise<unknown> {
  const reached = path.join(dir, 'reached');
  const hold = path.join(dir, 'hold');
  const main = process.env.BSCTL_HBASE_REST;
  process.env.BSCTL_HBASE_REST = `http://127.0.0.1:${GATEWAY_PORT}`;
  const runner = new LocalRunner(1);
  try {
    const job = runJob({ jobModule: ROWS, input: [`hbase://${table}`], output: path.join(dir, 'out'), runner, log: () => {}, conf: { 'hold.row': 'row-010', 'hold.reached': reached, 'hold.file': hold }, ...run });
    job.catch(() => {});
    await waitFor(() => fs.existsSync(reached), { what: 'the map to reach row-010', timeoutMs: 60_000 });
    during();
    fs.writeFileSync(hold, '');
    return await job.then(
      () => undefined,
      (err: unknown) => err,
    );
  } finally {
    fs.writeFileSync(hold, '');
    process.env.BSCTL_HBASE_REST = main;
    await runner.close();
  }
}

serial('the REST gateway restarted while a map is in the middle of its scan: the scan reopens after the last row handed on, every row once', async (t) => {
  const dir = tempDir('hbase-restart');
  const { table, expected } = await sharedTable();
  gateway('start');
  try {
    // The new gateway does not know the old scanner (HTTP 404): the reader opens another.
    const err = await throughGateway(table, dir, () => {
      gateway('stop');
      gateway('start');
    });
    t.is(err, undefined);
    t.deepEqual(linesOf(path.join(dir, 'out')), expected);
  } finally {
    gateway('stop');
  }
});

serial('the REST gateway stopped while a map is in the middle of its scan: the job fails naming the gateway, after bounded retries, with nothing published', async (t) => {
  const dir = tempDir('hbase-gone');
  const { table } = await sharedTable();
  gateway('start');
  const started = Date.now();
  try {
    const err = await throughGateway(table, dir, () => gateway('stop'), { maxAttempts: 1 });
    t.true(err instanceof Error);
    t.regex((err as Error).message, new RegExp(`hbase://${table}: cannot reach the HBase REST gateway at 127\\.0\\.0\\.1:${GATEWAY_PORT} \\(ECONNREFUSED\\)`));
    t.false(fs.existsSync(path.join(dir, 'out')));
    t.true(Date.now() - started < 90_000, 'retries are bounded');
  } finally {
    gateway('stop');
  }
});

/** A table made through the gateway (no JVM): PUT /<table>/schema with its families. */
async function createTable(table: string, families: readonly string[]): Promise<void> {
  await rest(`/${table}/schema`, { method: 'PUT', body: JSON.stringify({ name: table, ColumnSchema: families.map((name) => ({ name })) }) });
}

serial('full build with hbaseColumns: a mapped column gives its field, the primary key from a column; a row without a mapped column is a bad record naming table, row and column', async (t) => {
  const dir = tempDir('hbase-map');
  const table = `bsctl_map_${process.pid}`;
  await createTable(table, ['cf', 'd']);
  try {
    await put(table, [
      ['r1', 'd:docid', '11'], ['r1', 'd:t', 'alpha beta'], ['r1', 'cf:hits', '5'],
      ['r2', 'd:docid', '12'], ['r2', 'd:t', 'gamma'], ['r2', 'cf:title', 'not this one'],
      ['r3', 'd:docid', '13'], ['r3', 'cf:hits', '7'],
    ]);
    const config = path.join(dir, 'in1.json');
    fs.writeFileSync(config, JSON.stringify({ schema: path.join(ROOT, 'fixtures/in1/schema.json'), hbaseColumns: { id: 'd:docid', title: 'd:t' } }));
    const build = (maxBadRecords: number) => fullBuild({ table: 'in1', tableConfig: config, data: [`hbase://${table}`], partitions: 1, indexRoot: path.join(dir, `index-${maxBadRecords}`) }, { maxBadRecords });
    const err = await t.throwsAsync(build(0));
    t.regex(err!.message, new RegExp(`hbase://${table}, row "r3": no column d:t \\(field title\\)`));
    t.false(fs.existsSync(path.join(dir, 'index-0', 'in1', 'generation_0')));
    const ok = await build(1);
    t.is(ok.counters['full-build']?.['Documents indexed'], 2);
    t.is(ok.badRecordCount, 1);
    // The title from d:t (not cf:title), the primary key from d:docid (not the row key).
    const loaded = loadIndex(path.join(dir, 'index-1'), 'in1');
    t.deepEqual(queryJsonLines(loaded, 'select id, title from in1_summary_ where id=11 or id=12').sort(), ['{"id":11,"title":"alpha beta"}', '{"id":12,"title":"gamma"}']);
  } finally {
    await rest(`/${table}/schema`, { method: 'DELETE' });
  }
});
