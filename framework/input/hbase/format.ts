/**
 * HBase tables as job input (HBase's TableInputFormat): one split per region (or `mappersPerRegion`
 * per region), clipped to the asked row range, located at the region's server; each map task scans its
 * rows through the REST gateway in batches and gets `[rowKey, cells]` records.
 */
import { FsError } from '../../fs/types.ts';
import { isTransient } from '../../fs/webhdfs/request.ts';
import type { InputFormat, InputSplit, RecordReader, RegionSplit } from '../types.ts';
import { HBaseRest, restAddress, validateColumn, validateTable } from './rest.ts';
import type { RowPiece } from './cell-set.ts';
import { clip, cutEvenly } from './row-range.ts';

/** A row's cells, latest version, by column (`family:qualifier`). */
export type HBaseRow = Record<string, Buffer>;

export interface HBaseInputOptions {
  /** Columns to read (`family` or `family:qualifier`); default all. */
  readonly columns?: readonly string[];
  /** First row to read (inclusive); default the table's first. */
  readonly startRow?: string | Buffer;
  /** Row to stop before (exclusive); default the table's end. */
  readonly stopRow?: string | Buffer;
  /** Splits per region, cut evenly by key (hbase.mapreduce.tableinput.mappers.per.region); default 1. */
  readonly mappersPerRegion?: number;
  /** Cells per scanner call (the REST scanner's batch); default 5000. Memory per task is about this many cells. */
  readonly batch?: number;
  /** The REST gateway; default $BSCTL_HBASE_REST. */
  readonly rest?: string;
}

const SCHEME = 'hbase://';
/** A scan that fails part way (a lost scanner, a restarted gateway) resumes this many times. */
const RESUMES = 5;

/** The table an input path names: `hbase://<table>` (`hbase://<namespace>:<table>`). */
export function tableOfPath(p: string): string | undefined {
  if (!p.toLowerCase().startsWith(SCHEME)) return undefined;
  return validateTable(decodeURIComponent(p.slice(SCHEME.length).replace(/\/+$/, '')), `input path ${p}`);
}

const keyOf = (k: string | Buffer | undefined): Buffer => (k === undefined ? Buffer.alloc(0) : Buffer.isBuffer(k) ? k : Buffer.from(k));

export function hbaseInput(options: HBaseInputOptions = {}): InputFormat<Buffer, HBaseRow> {
  const columns = (options.columns ?? []).map((c) => validateColumn(c, 'hbaseInput columns'));
  const perRegion = options.mappersPerRegion ?? 1;
  if (!Number.isInteger(perRegion) || perRegion < 1 || perRegion > 1000) throw new Error(`hbaseInput mappersPerRegion: an integer from 1 to 1000 (got ${perRegion})`);
  const batch = options.batch ?? 5000;
  if (!Number.isInteger(batch) || batch < 1) throw new Error(`hbaseInput batch: a positive integer (got ${batch})`);
  const scan = { start: keyOf(options.startRow), end: keyOf(options.stopRow) };
  return {
    name: 'hbase',
    async getSplits(paths): Promise<InputSplit[]> {
      const rest = restAddress(options.rest, 'hbase input');
      const client = new HBaseRest(rest);
      const splits: InputSplit[] = [];
      for (const [fileIndex, p] of paths.entries()) {
        const table = tableOfPath(p);
        if (!table) throw new Error(`input path ${p}: the hbase input reads hbase://<table> paths`);
        const [regions, sizes] = await Promise.all([client.regions(table), client.regionSizes(table)]);
        // A scan of a family the table does not have reads nothing, silently: refused here instead.
        if (columns.length) {
          const families = await client.families(table);
          const missing = columns.filter((c) => !families.includes(c.split(':')[0]!));
          if (missing.length) throw new Error(`hbase://${table}: no column family ${[...new Set(missing.map((c) => c.split(':')[0]!))].join(', ')} (hbaseInput columns ${missing.join(', ')}); the table's families: ${families.join(', ')}`);
        }
        for (const r of regions) {
          const range = clip({ start: r.startKey, end: r.endKey }, scan);
          if (!range) continue;
          const parts = cutEvenly(range, perRegion);
          const size = Math.max(1, Math.round((sizes.get(r.name) ?? 0) / parts.length));
          const host = r.location.replace(/:\d+$/, '');
          for (const part of parts) {
            const region: RegionSplit = { table, rest, name: r.name, startRow: part.start.toString('base64'), endRow: part.end.toString('base64'), columns, batch };
            splits.push({ path: `${SCHEME}${table}`, start: 0, length: size, fileLength: size, hosts: host ? [host] : [], fileIndex, region });
          }
        }
      }
      return splits;
    },
    createRecordReader: (split) => regionReader(split),
  };
}

/**
 * Scans one split's rows. Rows come in pieces (a batch counts cells, so a wide row may span calls);
 * a row is handed on once complete. When the scan fails part way with a lost scanner or a transient
 * error, it is opened again from the first row not yet handed on: every row is read exactly once, also
 * when the region splits or moves meanwhile (the gateway's client follows the table's regions).
 */
function regionReader(split: InputSplit): RecordReader<Buffer, HBaseRow> {
  const region = split.region;
  if (!region) throw new Error(`split of ${split.path} is not an HBase region split`);
  const client = new HBaseRest(region.rest);
  const end = Buffer.from(region.endRow, 'base64');
  let bytesRead = 0;
  return {
    get bytesRead() {
      return Math.min(bytesRead, split.length);
    },
    async read(sink, betweenChunks) {
      let cursor: Buffer = Buffer.from(region.startRow, 'base64');
      let pending: { key: Buffer; cells: RowPiece['cells'][number][] } | undefined;
      const handOn = (row: NonNullable<typeof pending>): void => {
        const cells: HBaseRow = {};
        for (const c of row.cells) {
          cells[c.column] = c.value;
          bytesRead += c.column.length + c.value.length;
        }
        bytesRead += row.key.length;
        sink(row.key, cells);
        cursor = Buffer.concat([row.key, Buffer.of(0)]);
      };
      for (let resumes = 0; ; resumes++) {
        const scanner = await client.openScanner(region.table, { startRow: cursor, endRow: end, columns: region.columns, batch: region.batch });
        try {
          for (;;) {
            const rows = await client.next(region.table, scanner);
            if (!rows) break;
            for (const r of rows) {
              if (pending?.key.equals(r.key)) pending.cells.push(...r.cells);
              else {
                if (pending) handOn(pending);
                pending = { key: r.key, cells: [...r.cells] };
              }
            }
            await betweenChunks?.();
          }
        } catch (err) {
          const lost = err instanceof FsError && err.code === 'HTTP_404';
          if (!(lost || isTransient(err)) || resumes >= RESUMES) throw err;
          // The row in hand may be incomplete: read it again with the rest.
          if (pending) cursor = pending.key;
          pending = undefined;
          continue;
        } finally {
          await client.closeScanner(scanner);
        }
        if (pending) handOn(pending);
        return;
      }
    },
  };
}
