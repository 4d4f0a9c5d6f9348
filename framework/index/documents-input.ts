/**
 * The full build's input: ha3 document files and HBase tables (`hbase://<table>`), in data-path order.
 * An HBase row becomes an `add` document: column `cf:<field>` gives field `<field>`, a column named for
 * a field on the path (`column.<field>=<family:qualifier>`, from the table config's `hbaseColumns`)
 * gives that field instead and must be there (else the row is a bad record naming table, row and
 * column), and with `rowkey=<field>` (the plan adds the primary key's unless a column is named for it)
 * the row key gives that field unless the row has a column for it. Each region is one map task.
 */
import { ha3Input, type Ha3Document, type Ha3Problem } from '../input/ha3.ts';
import { isCellColumn } from '../input/hbase/rest.ts';
import { hbaseInput, tableOfPath } from '../input/hbase/format.ts';
import type { InputFormat, InputSplit, RecordReader } from '../input/types.ts';

/** The column family the full build reads fields from. */
export const DOCUMENT_FAMILY = 'cf';

/** An HBase table as documents: the table, the field its row key fills, columns named for fields. */
export interface DocumentTable {
  readonly table: string;
  /** `hbase://<table>` without the parameters (what errors name). */
  readonly path: string;
  readonly rowKeyField: string | undefined;
  /** field → `family:qualifier`, for fields not read from `cf:<field>`; a row without one is a bad record. */
  readonly columns: Readonly<Record<string, string>>;
}

const COLUMN_PARAM = 'column.';

/** `hbase://<table>?rowkey=<field>&column.<field>=<family:qualifier>...`, or undefined for other paths. */
export function documentTable(p: string): DocumentTable | undefined {
  const q = p.indexOf('?');
  const bare = q < 0 ? p : p.slice(0, q);
  const table = tableOfPath(bare);
  if (!table) return undefined;
  const params = new URLSearchParams(q < 0 ? '' : p.slice(q + 1));
  const columns: Record<string, string> = {};
  for (const [k, v] of params) {
    if (k.startsWith(COLUMN_PARAM) && k.length > COLUMN_PARAM.length) {
      if (!isCellColumn(v)) throw new Error(`data path ${p}: ${k}: "${v}" is not an HBase column (family:qualifier)`);
      columns[k.slice(COLUMN_PARAM.length)] = v;
    }
    else if (k !== 'rowkey') throw new Error(`data path ${p}: unknown parameter "${k}" (rowkey=<field>, column.<field>=<family:qualifier>)`);
  }
  return { table, path: bare, rowKeyField: params.get('rowkey') ?? undefined, columns };
}

/** The path of `table` with the row key field and the column mapping as parameters (see documentTable). */
export function documentTablePath(p: string, rowKeyField: string | undefined, columns: Readonly<Record<string, string>>): string {
  const t = documentTable(p)!;
  const params = new URLSearchParams();
  const key = t.rowKeyField ?? rowKeyField;
  const merged = { ...columns, ...t.columns };
  // A primary key mapped to a column comes from that column, not from the row key.
  if (key !== undefined && merged[key] === undefined) params.set('rowkey', key);
  for (const [field, column] of Object.entries(merged)) params.set(`${COLUMN_PARAM}${field}`, column);
  const q = params.toString();
  return q ? `${t.path}?${q}` : t.path;
}

/** A row as an `add` document; the table's path rides in the split's path (the reader reads it back). */
export function rowsAsDocuments(split: InputSplit, rows: RecordReader<Buffer, Record<string, Buffer>>, t: DocumentTable): RecordReader<number, Ha3Document> {
  const prefix = `${DOCUMENT_FAMILY}:`;
  const mapped = Object.entries(t.columns);
  const isMapped = new Set(mapped.map(([field]) => field));
  return {
    get bytesRead() {
      return rows.bytesRead;
    },
    async read(sink, between) {
      let n = 0;
      await rows.read((key, cells) => {
        const fields: [string, string][] = [['CMD', 'add']];
        const problems: Ha3Problem[] = [];
        for (const column of Object.keys(cells).sort()) {
          if (!column.startsWith(prefix)) continue;
          const field = column.slice(prefix.length);
          if (!isMapped.has(field)) fields.push([field, cells[column]!.toString('utf8')]);
        }
        for (const [field, column] of mapped) {
          const v = cells[column];
          if (v === undefined) problems.push({ offset: n, message: `no column ${column} (field ${field})` });
          else fields.push([field, v.toString('utf8')]);
        }
        if (t.rowKeyField && !fields.some(([f]) => f === t.rowKeyField)) fields.push([t.rowKeyField, key.toString('utf8')]);
        // Errors name the table and the row (its key; the offset is its position in the region's scan).
        sink(n, { path: `${t.path}, row ${JSON.stringify(key.toString('utf8'))}`, fileIndex: split.fileIndex, offset: n, fields, problems });
        n++;
      }, between);
    },
  };
}

export function documentsInput(): InputFormat<number, Ha3Document> {
  const ha3 = ha3Input();
  return {
    name: 'ha3+hbase',
    offsetKeys: true,
    async getSplits(paths, options) {
      const splits: InputSplit[] = [];
      let fileIndex = 0;
      const shifted = (s: InputSplit): InputSplit => ({ ...s, fileIndex: s.fileIndex + fileIndex });
      // Consecutive file paths are split together (small files combine across them), in order.
      for (let i = 0; i < paths.length; ) {
        const hb = documentTable(paths[i]!);
        if (hb) {
          const regions = await hbaseInput().getSplits([hb.path], options);
          splits.push(...regions.map((s) => ({ ...shifted(s), path: paths[i]! })));
          fileIndex++;
          i++;
          continue;
        }
        let j = i;
        while (j < paths.length && !documentTable(paths[j]!)) j++;
        const files = await ha3.getSplits(paths.slice(i, j), options);
        splits.push(...files.map(shifted));
        fileIndex += files.reduce((m, s) => Math.max(m, s.fileIndex + 1), 0);
        i = j;
      }
      return splits;
    },
    createRecordReader(split) {
      if (!split.region) return ha3.createRecordReader(split);
      return rowsAsDocuments(split, hbaseInput().createRecordReader(split), documentTable(split.path)!);
    },
  };
}
