import { jsonLinesInput } from '../input/jsonl.ts';
import { parquetInput } from '../input/parquet.ts';
import { listInputFiles } from '../input/paths.ts';
import { textInput } from '../input/text.ts';
import { tsvInput } from '../input/tsv.ts';
import type { InputFormat, InputSplit, RecordReader } from '../input/types.ts';

/** A row of a side table: an object (JSON lines, Parquet) or columns (TSV), or a key list's line. */
export type SideRow = Readonly<Record<string, unknown>> | readonly string[] | string;

/** Formats of side tables and key lists, by file extension. */
const FORMATS: readonly { readonly ext: RegExp; readonly format: InputFormat<number, SideRow> }[] = [
  { ext: /\.parquet$/i, format: parquetInput() },
  { ext: /\.jsonl?$/i, format: jsonLinesInput<Readonly<Record<string, unknown>>>({ combine: false }) },
  { ext: /\.tsv$/i, format: tsvInput({ combine: false }) },
  { ext: /\.txt$/i, format: textInput({ combine: false }) },
];

function formatOf(file: string): InputFormat<number, SideRow> {
  const f = FORMATS.find((x) => x.ext.test(file));
  if (!f) throw new Error(`${file}: a side table is .tsv (columns named in the table config), .jsonl / .json (one object per line) or .parquet; a key list .txt (one key per line)`);
  return f.format;
}

/**
 * The input of a full build's side tables and key lists, by each file's extension (files are not
 * combined: each split is of one format).
 */
export function sideTableInput(): InputFormat<number, SideRow> {
  return {
    name: 'side-table',
    async getSplits(paths, options): Promise<InputSplit[]> {
      const byFormat = new Map<InputFormat<number, SideRow>, string[]>();
      for (const f of await listInputFiles(paths)) {
        const format = formatOf(f.path);
        byFormat.set(format, [...(byFormat.get(format) ?? []), f.path]);
      }
      const splits: InputSplit[] = [];
      for (const [format, files] of byFormat) splits.push(...(await format.getSplits(files, options)));
      return splits;
    },
    createRecordReader(split): RecordReader<number, SideRow> {
      return formatOf(split.path).createRecordReader(split);
    },
  };
}
