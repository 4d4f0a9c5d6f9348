/**
 * The HBase REST gateway (org.apache.hadoop.hbase.rest.RESTServer) as the HBase input reads it: a
 * table's regions, their sizes, and scanners. JSON bodies carry row keys, columns and values base64.
 */
import { FsError } from '../../fs/types.ts';
import { decodeCellSet, type RowPiece } from './cell-set.ts';
import { networkCode, withRetries } from '../../fs/webhdfs/request.ts';

/** HBase's table name rule: an optional `namespace:`, then [A-Za-z0-9_.-] not starting with `.` or `-`. */
const TABLE_NAME = /^(?:[A-Za-z0-9_][A-Za-z0-9_.-]*:)?[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
/** A column: `family` or `family:qualifier` (the qualifier any printable text). */
const COLUMN = /^[A-Za-z0-9_][A-Za-z0-9_.-]*(?::[^\s]*)?$/;

export function validateTable(table: string, where: string): string {
  if (!TABLE_NAME.test(table) || table.length > 255) throw new Error(`${where}: "${table}" is not an HBase table name ([namespace:]name of A-Z a-z 0-9 _ . -, not starting with . or -)`);
  return table;
}

export function validateColumn(column: string, where: string): string {
  if (!COLUMN.test(column)) throw new Error(`${where}: "${column}" is not an HBase column (family or family:qualifier)`);
  return column;
}

/** `family:qualifier` with a qualifier: one cell's column, as a row's cells are keyed (a field mapping names one). */
export function isCellColumn(column: string): boolean {
  return COLUMN.test(column) && /:[^\s]+$/.test(column);
}

/** The gateway's address: `rest` when given, else $BSCTL_HBASE_REST; loopback or any http(s) URL the user names. */
export function restAddress(rest: string | undefined, where: string): string {
  const url = rest ?? process.env.BSCTL_HBASE_REST;
  if (!url) throw new Error(`${where}: no HBase REST gateway: set BSCTL_HBASE_REST (e.g. http://127.0.0.1:8080; scripts/hbase env prints it) (or give hbaseInput's rest option)`);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`${where}: HBase REST gateway "${url}" is not a URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error(`${where}: HBase REST gateway "${url}" must be http:// or https://`);
  return url.replace(/\/+$/, '');
}

export interface RegionInfo {
  /** The region's full name (`table,startKey,id.encoded.`). */
  readonly name: string;
  readonly startKey: Buffer;
  /** Empty for the last region. */
  readonly endKey: Buffer;
  /** The region server serving it, `host:port`. */
  readonly location: string;
}

export interface ScanRange {
  readonly startRow: Buffer;
  /** Exclusive; empty: to the end of the table. */
  readonly endRow: Buffer;
  /** `family` or `family:qualifier`; none: every column. */
  readonly columns: readonly string[];
  /** Cells a scanner call returns at most (the REST scanner's `batch`). */
  readonly batch: number;
}

export interface Cell {
  readonly column: string;
  readonly value: Buffer;
}

const b64 = (b: Buffer): string => b.toString('base64');
const unb64 = (s: string | undefined): Buffer => Buffer.from(s ?? '', 'base64');

/** How long one gateway call may take (a scanner call of `batch` cells is well under a second). */
const REQUEST_TIMEOUT_MS = 120_000;

export class HBaseRest {
  constructor(readonly base: string) {}

  /**
   * One call; failures are FsErrors (`<op> hbase://<table>: <reason>`) whose code is the network error's
   * or HTTP_5XX (both retried by withRetries) or HTTP_<status>.
   */
  private async request(op: string, table: string, path: string, init: RequestInit = {}): Promise<Response> {
    const url = `${this.base}${path}`;
    let res: Response;
    try {
      res = await fetch(url, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS), headers: { accept: 'application/json', ...(init.headers as Record<string, string> | undefined) } });
    } catch (err) {
      // A gateway whose region server is gone holds the call while its own client retries: bounded here.
      if (err instanceof Error && err.name === 'TimeoutError') throw new FsError(op, `hbase://${table}`, `the HBase REST gateway at ${new URL(url).host} did not answer in ${REQUEST_TIMEOUT_MS / 1000} s`, 'ETIMEDOUT');
      const code = networkCode(err) ?? 'ECONNECT';
      throw new FsError(op, `hbase://${table}`, `cannot reach the HBase REST gateway at ${new URL(url).host} (${code}); is it running (scripts/hbase start)?`, code);
    }
    if (res.ok || res.status === 204) return res;
    const text = (await res.text().catch(() => '')).trim().split('\n')[0]!.slice(0, 300);
    const reason = res.status === 404 && path.endsWith('/regions') ? 'no such table' : `the HBase REST gateway answered HTTP ${res.status}${text ? `: ${text}` : ''}`;
    throw new FsError(op, `hbase://${table}`, reason, res.status >= 500 ? 'HTTP_5XX' : `HTTP_${res.status}`);
  }

  private async json<T>(op: string, table: string, path: string): Promise<T> {
    return withRetries(async () => (await (await this.request(op, table, path)).json()) as T);
  }

  /** The table's regions in key order (TableInputFormat's one split each). */
  async regions(table: string): Promise<RegionInfo[]> {
    const body = await this.json<{ Region?: { name: string; startKey?: string; endKey?: string; location?: string }[] }>('regions', table, `/${encodeURIComponent(table)}/regions`);
    const regions = (body.Region ?? []).map((r) => ({ name: r.name, startKey: unb64(r.startKey), endKey: unb64(r.endKey), location: r.location ?? '' }));
    return regions.sort((a, b) => Buffer.compare(a.startKey, b.startKey));
  }

  /** The table's column families (GET /<table>/schema). */
  async families(table: string): Promise<string[]> {
    const body = await this.json<{ ColumnSchema?: { name: string }[] }>('schema', table, `/${encodeURIComponent(table)}/schema`);
    return (body.ColumnSchema ?? []).map((c) => c.name);
  }

  /** Bytes each region holds (store files + memstore, as the cluster status reports them in MB), by region name. */
  async regionSizes(table: string): Promise<Map<string, number>> {
    const body = await this.json<{ LiveNodes?: { Region?: { name: string; storefileSizeMB?: number; memstoreSizeMB?: number; memStoreSizeMB?: number }[] }[] }>('cluster status', table, '/status/cluster');
    const sizes = new Map<string, number>();
    for (const node of body.LiveNodes ?? []) {
      for (const r of node.Region ?? []) sizes.set(unb64(r.name).toString('utf8'), ((r.storefileSizeMB ?? 0) + (r.memstoreSizeMB ?? r.memStoreSizeMB ?? 0)) * 1024 * 1024);
    }
    return sizes;
  }

  /** Open a scanner over the range; resolves with its URL (delete it with closeScanner). */
  async openScanner(table: string, range: ScanRange): Promise<string> {
    const spec = {
      ...(range.startRow.length ? { startRow: b64(range.startRow) } : {}),
      ...(range.endRow.length ? { endRow: b64(range.endRow) } : {}),
      ...(range.columns.length ? { column: range.columns.map((c) => b64(Buffer.from(c))) } : {}),
      batch: range.batch,
      maxVersions: 1,
    };
    return withRetries(async () => {
      const res = await this.request('open scanner', table, `/${encodeURIComponent(table)}/scanner`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(spec) });
      await res.arrayBuffer();
      const location = res.headers.get('location');
      if (!location) throw new FsError('open scanner', `hbase://${table}`, 'the HBase REST gateway gave no scanner location', 'NO_LOCATION');
      return location;
    });
  }

  /** The scanner's next rows, or undefined when it is exhausted (not retried: a call may have advanced it). */
  async next(table: string, scanner: string): Promise<RowPiece[] | undefined> {
    const res = await this.request('scan', table, new URL(scanner).pathname, { headers: { accept: 'application/x-protobuf' } });
    if (res.status === 204) return undefined;
    return decodeCellSet(new Uint8Array(await res.arrayBuffer()));
  }

  /** Delete the scanner (its lease on the region server ends); failures are ignored. */
  async closeScanner(scanner: string): Promise<void> {
    await fetch(`${this.base}${new URL(scanner).pathname}`, { method: 'DELETE' })
      .then((r) => r.arrayBuffer())
      .catch(() => {});
  }
}
