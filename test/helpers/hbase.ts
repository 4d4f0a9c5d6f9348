import test from 'ava';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ROOT } from './cli.ts';
import { isCi } from './shared-fixtures.ts';

// The real HBase `npm test` starts (scripts/test.js: scripts/hbase, standalone HMaster + REST gateway
// on loopback) and what the tests do with it: scripts/hbase admin, and the REST gateway through fetch.

export interface TestHBase {
  /** The REST gateway, e.g. http://127.0.0.1:21080 ($BSCTL_HBASE_REST). */
  readonly rest: string;
}

/**
 * The test HBase, from $BSCTL_TEST_HBASE=1 and $BSCTL_HBASE_REST (scripts/test.js sets both, and
 * $BSCTL_HBASE_DIR / $BSCTL_HBASE_PORT_BASE for scripts/hbase). Without one: undefined, and a test
 * is registered that says so — skipped, or failing under CI=true or when scripts/test.js could not
 * start it ($BSCTL_TEST_HBASE=start-failed), so that nothing is skipped silently.
 * Call it at the top level of a test file (ava registers tests synchronously).
 */
export function testHbase(): TestHBase | undefined {
  const rest = process.env.BSCTL_HBASE_REST;
  const flag = process.env.BSCTL_TEST_HBASE;
  if (flag === '1' && rest) return { rest: rest.replace(/\/+$/, '') };
  const message = 'no test HBase: run `npm test` (it starts one), or `scripts/hbase start` and export BSCTL_TEST_HBASE=1 plus `scripts/hbase env`';
  if (flag === 'start-failed') test('a test HBase is running', (t) => t.fail('scripts/test.js could not start the test HBase: see `scripts/hbase start` in its output'));
  else if (isCi()) test('a test HBase is running', (t) => t.fail(`${message}; CI=true: a missing HBase fails the run`));
  else test.skip(`HBase tests skipped: ${message}`, () => {});
  return undefined;
}

export interface ScriptResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** `scripts/hbase ARGS` with the test HBase's state dir and ports (from the environment); never throws. */
export function hbaseScript(...args: string[]): ScriptResult {
  return hbaseScriptWith({}, ...args);
}

/** The same with some of the environment overridden (another state dir and ports: a second HBase). */
export function hbaseScriptWith(env: Readonly<Record<string, string>>, ...args: string[]): ScriptResult {
  const r = spawnSync(path.join(ROOT, 'scripts/hbase'), args, { encoding: 'utf8', timeout: 240_000, env: { ...process.env, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `scripts/hbase admin ARGS`; throws with its stderr when it fails. */
export function hbaseAdmin(...args: string[]): string {
  const r = hbaseScript('admin', ...args);
  if (r.code !== 0) throw new Error(`scripts/hbase admin ${args.join(' ')} failed (${r.code}): ${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** One line of `scripts/hbase admin regions`: keys base64, *Text escaped (Bytes.toStringBinary). */
export interface AdminRegion {
  readonly name: string;
  readonly startKey: string;
  readonly endKey: string;
  readonly startKeyText: string;
  readonly endKeyText: string;
  readonly server: string | null;
}

export function adminRegions(table: string): AdminRegion[] {
  return hbaseAdmin('regions', table).split('\n').filter(Boolean).map((l) => JSON.parse(l) as AdminRegion);
}

export const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
export const unb64 = (s: string): string => Buffer.from(s, 'base64').toString('utf8');

/** GET a REST resource as JSON (throws on a status other than 200). */
export async function restJson<T>(rest: string, resource: string): Promise<T> {
  const res = await fetch(`${rest}${resource}`, { headers: { Accept: 'application/json' } });
  if (res.status !== 200) throw new Error(`GET ${resource}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** GET /<table>/regions as the gateway reports them. */
export interface RestRegions {
  readonly name: string;
  readonly Region: readonly { readonly startKey: string; readonly endKey: string; readonly location: string; readonly name: string }[];
}

/** One cell of a scan: row, family:qualifier and value, decoded from the gateway's base64. */
export interface ScannedCell {
  readonly row: string;
  readonly column: string;
  readonly value: string;
}

interface CellSetJson {
  readonly Row?: readonly { readonly key: string; readonly Cell: readonly { readonly column: string; readonly $: string }[] }[];
}

/**
 * Scan [startRow, endRow) (the whole table without them) through a REST scanner: PUT /<table>/scanner,
 * GET its Location until 204, DELETE it at the end (also after an error).
 */
export async function restScan(rest: string, table: string, range: { startRow?: string; endRow?: string } = {}, batch = 37): Promise<ScannedCell[]> {
  const spec: Record<string, unknown> = { batch };
  if (range.startRow) spec.startRow = b64(range.startRow);
  if (range.endRow) spec.endRow = b64(range.endRow);
  const created = await fetch(`${rest}/${encodeURIComponent(table)}/scanner`, {
    method: 'PUT',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify(spec),
  });
  const location = created.headers.get('location');
  await created.arrayBuffer();
  if (created.status !== 201 || !location) throw new Error(`PUT /${table}/scanner: HTTP ${created.status}, Location ${location}`);
  const cells: ScannedCell[] = [];
  try {
    for (let i = 0; i < 10_000; i++) {
      const res = await fetch(location, { headers: { Accept: 'application/json' } });
      if (res.status === 204) return cells;
      if (res.status !== 200) throw new Error(`GET ${location}: HTTP ${res.status} ${await res.text()}`);
      const body = (await res.json()) as CellSetJson;
      for (const row of body.Row ?? []) {
        for (const c of row.Cell) cells.push({ row: unb64(row.key), column: unb64(c.column), value: unb64(c.$) });
      }
    }
    throw new Error(`scanner ${location} did not end after 10000 batches`);
  } finally {
    await fetch(location, { method: 'DELETE' }).then((r) => r.arrayBuffer()).catch(() => undefined);
  }
}

/** GET /<table>/<row>/<family:qualifier> as raw bytes; undefined when the gateway says 404. */
export async function restCell(rest: string, table: string, row: string, column: string): Promise<string | undefined> {
  const res = await fetch(`${rest}/${encodeURIComponent(table)}/${encodeURIComponent(row)}/${encodeURIComponent(column)}`, {
    headers: { Accept: 'application/octet-stream' },
  });
  if (res.status === 404) {
    await res.arrayBuffer();
    return undefined;
  }
  if (res.status !== 200) throw new Error(`GET /${table}/${row}/${column}: HTTP ${res.status} ${await res.text()}`);
  return Buffer.from(await res.arrayBuffer()).toString('utf8');
}
