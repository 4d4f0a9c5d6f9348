/**
 * The full build's input: ha3 document files and HBase tables (`hbase://<table>`), in data-path order.
 * An HBase row becomes an `add` document: column `cf:<field>` gives field `<field>` (other families are
 * not read), and with `?rowkey=<field>` on the path (the plan adds the primary key's) the row key gives
 * that field unless the row has the column too. Each region is one map task, at its region server.
 */
import { ha3Input, type Ha3Document } from '../input/ha3.ts';
import { hbaseInput, tableOfPath } from '../input/hbase/format.ts';
import type { InputFormat, InputSplit, RecordReader } from '../input/types.ts';

/** The column family the full build reads fields from. */
export const DOCUMENT_FAMILY = 'cf';

/** `hbase://<table>?rowkey=<field>`: the table and the field the row key fills (if named). */
export function documentTable(p: string): { table: string; rowKeyField: string | undefined; path: string } | undefined {
  const q = p.indexOf('?');
  const bare = q < 0 ? p : p.slice(0, q);
  const table = tableOfPath(bare);
  if (!table) return undefined;
  const params = new URLSearchParams(q < 0 ? '' : p.slice(q + 1));
  for (const k of params.keys()) if (k !== 'rowkey') throw new Error(`data path ${p}: unknown parameter "${k}" (only rowkey=<field>)`);
  return { table, rowKeyField: params.get('rowkey') ?? undefined, path: bare };
}

/** A row key field name given on the path rides in the split's path (the reader reads it back). */
function rowsAsDocuments(split: InputSplit, rows: RecordReader<Buffer, Record<string, Buffer>>, rowKeyField: string | undefined): RecordReader<number, Ha3Document> {
  const prefix = `${DOCUMENT_FAMILY}:`;
  return {
    get bytesRead() {
      return rows.bytesRead;
    },
    async read(sink, between) {
      let n = 0;
      await rows.read((key, cells) => {
        const fields: [string, string][] = [['CMD', 'add']];
        let hasKeyField = false;
        for (const column of Object.keys(cells).sort()) {
          if (!column.startsWith(prefix)) continue;
          const field = column.slice(prefix.length);
          if (field === rowKeyField) hasKeyField = true;
          fields.push([field, cells[column]!.toString('utf8')]);
        }
        if (rowKeyField && !hasKeyField) fields.push([rowKeyField, key.toString('utf8')]);
        // The offset is the row's position in the region's scan: errors name the table and that row.
        sink(n, { path: split.path, fileIndex: split.fileIndex, offset: n, fields, problems: [] });
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
      const hb = documentTable(split.path)!;
      return rowsAsDocuments(split, hbaseInput().createRecordReader(split), hb.rowKeyField);
    },
  };
}
