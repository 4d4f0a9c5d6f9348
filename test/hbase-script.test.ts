import test from 'ava';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  adminRegions,
  hbaseAdmin,
  hbaseScript,
  restCell,
  restJson,
  restScan,
  testHbase,
  unb64,
  type RestRegions,
} from './helpers/hbase.ts';

// scripts/hbase against the real HBase 2.6.1 that scripts/test.js starts: the admin helper's table
// operations (pre-split create, regions, load, split, drop, table-name checks), checked through the
// REST gateway with fetch.

const hbase = testHbase();
const TABLE = `bsctl_script_${randomBytes(3).toString('hex')}`;
const SPLITS = ['row025', 'row050', 'row075'];
const ROWS = Array.from({ length: 100 }, (_, i) => `row${String(i).padStart(3, '0')}`);
/** Two cells a row; the text holds multi-byte characters, and a tab in every 10th (a TSV value is the rest of its line). */
const cellsOf = (row: string, i: number): [string, string][] => [
  ['cf:n', String(i)],
  ['cf:text', `wört ${i} 漢字${i % 10 === 0 ? '\tafter a tab' : ''}`],
];
const expected = ROWS.flatMap((row, i) => cellsOf(row, i).map(([column, value]) => ({ row, column, value })));

let dropped = false;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bsctl-hbase-script-'));
test.after.always(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
  if (hbase && !dropped) hbaseScript('admin', 'drop', TABLE);
});

/** Region boundaries as [start, end) text pairs, '' for the table's ends. */
const bounds = (keys: readonly string[]): [string, string][] => ['', ...keys].map((k, i) => [k, keys[i] ?? '']);

async function restTables(rest: string): Promise<string[]> {
  return (await restJson<{ table?: { name: string }[] }>(rest, '/')).table?.map((t) => t.name) ?? [];
}

if (hbase) {
  const { rest } = hbase;

  test.serial('status, env and an idempotent start describe the running HBase', (t) => {
    const status = hbaseScript('status');
    t.is(status.code, 0, status.stderr);
    t.regex(status.stdout, /^master running \(pid \d+\)$/m);
    t.regex(status.stdout, /^rest running \(pid \d+\)$/m);
    t.regex(status.stdout, /HBase is up: REST http:\/\/127\.0\.0\.1:\d+ \(HBase 2\.6\.1\)/);
    t.true(hbaseScript('env').stdout.includes(`export BSCTL_HBASE_REST=${rest}\n`));
    const again = hbaseScript('start');
    t.is(again.code, 0, again.stderr);
    t.regex(again.stderr, /already up/);
  });

  test.serial('create pre-split at 3 keys: 4 regions with those boundaries, and the REST gateway agrees', async (t) => {
    t.regex(hbaseAdmin('create', TABLE, '--families', 'cf', '--splits', SPLITS.join(',')), new RegExp(`created ${TABLE} \\(4 regions`));
    t.true((await restTables(rest)).includes(TABLE));
    const regions = adminRegions(TABLE);
    t.deepEqual(regions.map((r) => [r.startKeyText, r.endKeyText]), bounds(SPLITS));
    t.deepEqual(regions.map((r) => [unb64(r.startKey), unb64(r.endKey)]), bounds(SPLITS));
    for (const r of regions) {
      t.regex(r.name, /^[0-9a-f]{32}$/);
      t.regex(r.server ?? '', /^127\.0\.0\.1:\d+$/);
    }
    const viaRest = await restJson<RestRegions>(rest, `/${TABLE}/regions`);
    t.deepEqual(viaRest.Region.map((r) => [r.startKey, r.endKey]), regions.map((r) => [r.startKey, r.endKey]));
    t.true(viaRest.Region.every((r) => r.location === regions[0]!.server));
  });

  test.serial('load 100 rows from TSV; every cell reads back through the REST gateway, and each region scans its own rows', async (t) => {
    const tsv = path.join(tmp, 'rows.tsv');
    fs.writeFileSync(tsv, `${expected.map((c) => `${c.row}\t${c.column}\t${c.value}`).join('\n')}\n`);
    t.regex(hbaseAdmin('load', TABLE, tsv), new RegExp(`loaded ${expected.length} cells into ${TABLE}`));

    for (const [i, row] of ROWS.entries()) t.is(await restCell(rest, TABLE, row, 'cf:n'), String(i), row);
    t.is(await restCell(rest, TABLE, 'row030', 'cf:text'), 'wört 30 漢字\tafter a tab');
    t.is(await restCell(rest, TABLE, 'row999', 'cf:n'), undefined);

    const sorted = [...expected].sort((a, b) => (a.row === b.row ? (a.column < b.column ? -1 : 1) : a.row < b.row ? -1 : 1));
    t.deepEqual(await restScan(rest, TABLE), sorted);
    for (const [start, end] of bounds(SPLITS)) {
      const rows = new Set((await restScan(rest, TABLE, { startRow: start, endRow: end })).map((c) => c.row));
      t.deepEqual([...rows], ROWS.filter((r) => r >= start && (end === '' || r < end)), `region [${start}, ${end})`);
    }
  });

  test.serial('split the region holding row060 at row060: 5 regions, all rows still readable', async (t) => {
    const before = adminRegions(TABLE);
    t.regex(hbaseAdmin('split', TABLE, 'row060'), new RegExp(`split ${before[2]!.name} of ${TABLE} at row060`));
    const after = adminRegions(TABLE);
    t.deepEqual(after.map((r) => [r.startKeyText, r.endKeyText]), bounds(['row025', 'row050', 'row060', 'row075']));
    t.deepEqual(after.filter((r) => r.startKeyText !== 'row050' && r.startKeyText !== 'row060').map((r) => r.name), [0, 1, 3].map((i) => before[i]!.name));
    t.true(after.every((r) => r.server !== null));
    const viaRest = await restJson<RestRegions>(rest, `/${TABLE}/regions`);
    t.deepEqual(viaRest.Region.map((r) => [r.startKey, r.endKey]), after.map((r) => [r.startKey, r.endKey]));
    t.is(viaRest.Region.length, 5);

    t.is((await restScan(rest, TABLE)).length, expected.length);
    const lower = await restScan(rest, TABLE, { startRow: 'row050', endRow: 'row060' });
    t.deepEqual([...new Set(lower.map((c) => c.row))], ROWS.slice(50, 60));
    for (const row of ['row050', 'row059', 'row060', 'row074']) t.is(await restCell(rest, TABLE, row, 'cf:n'), String(Number(row.slice(3))));

    const again = hbaseScript('admin', 'split', TABLE, 'row060');
    t.is(again.code, 1);
    t.regex(again.stderr, /^scripts\/hbase: split: row row060 already starts region [0-9a-f]{32}$/m);
  });

  test.serial('drop disables and deletes the table; dropping it again is refused', async (t) => {
    t.is(hbaseAdmin('drop', TABLE).trim(), `dropped ${TABLE}`);
    dropped = true;
    t.false((await restTables(rest)).includes(TABLE));
    t.is((await fetch(`${rest}/${TABLE}/regions`, { headers: { Accept: 'application/json' } })).status, 404);
    const again = hbaseScript('admin', 'drop', TABLE);
    t.is(again.code, 1);
    t.regex(again.stderr, new RegExp(`^scripts/hbase: drop: no table ${TABLE}$`, 'm'));
  });

  test('bad table names are refused with a clear error before HBase is asked', async (t) => {
    for (const name of ['.hidden', '-dash', 'with space', 'sl/ash', 'ns:colon', 'ünï', '']) {
      const r = hbaseScript('admin', 'create', name, '--families', 'cf');
      t.is(r.code, 2, name);
      t.is(r.stderr, `scripts/hbase: bad table name "${name}": use letters, digits, '_', '-' and '.', not starting with '.' or '-'\n`, name);
    }
    for (const cmd of ['drop', 'regions', 'split', 'load']) t.is(hbaseScript('admin', cmd, '.x', 'arg').code, 2, cmd);
    t.false((await restTables(rest)).some((n) => /hidden|dash|space/.test(n)));
  });
}
