/**
 * The DuckDB side of `npm run bench:wordcount -- --vs-duckdb`, run as its own process (so its wall time
 * includes start-up, as bsctl's does, and timed() sees its RSS):
 *
 *   node --import tsx scripts/bench/duckdb-wordcount.ts <text file> <output dir> [threads]
 *
 * Counts the words of a file the way jobs/word-count.ts does, on the text scripts/bench/zipf-text.ts
 * writes (lowercase a-z words, one space between words, '\n' after every line; no other byte), and
 * writes `word\tcount` lines to `<output dir>/part-00000`, the layout of bsctl's output. Prints one JSON
 * line: DuckDB's version, its threads and the seconds the query alone (read, count, write) took.
 *
 * Tokenisation: the file is read as lines into one VARCHAR column with nothing interpreted (no quote, no
 * escape, no comment, a delimiter byte that never occurs, no header, no type detection); each line is
 * lowercased and split on ' ', and empty strings are dropped. On this text, where the only whitespace
 * is single spaces and the '\n' ending each line, that is exactly word-count's split on JavaScript's
 * `\s` (runs of whitespace, leading and trailing whitespace ignored).
 */
import fs from 'node:fs';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';

/** A path as a SQL string literal. */
function literal(p: string): string {
  return `'${p.replaceAll("'", "''")}'`;
}

/** The word count: lines of `file` → `word\tcount` lines in `out`. */
function wordCountSql(file: string, out: string): string {
  return `COPY (
  SELECT word, count(*) AS n
  FROM (
    SELECT unnest(string_split(lower(line), ' ')) AS word
    FROM read_csv(${literal(file)}, columns = {'line': 'VARCHAR'}, header = false, auto_detect = false,
                  delim = '\x01', quote = '', escape = '', comment = '', new_line = '\\n')
  )
  WHERE word <> ''
  GROUP BY word
) TO ${literal(out)} (FORMAT csv, DELIMITER '\t', HEADER false)`;
}

async function main(argv: readonly string[]): Promise<number> {
  const [file, outDir, threadsArg = '2'] = argv;
  if (!file || !outDir) {
    process.stderr.write('usage: duckdb-wordcount.ts <text file> <output dir> [threads]\n');
    return 2;
  }
  const threads = Number(threadsArg);
  if (!Number.isInteger(threads) || threads < 1) {
    process.stderr.write(`duckdb-wordcount: threads must be a positive integer, got ${JSON.stringify(threadsArg)}\n`);
    return 2;
  }
  if (!fs.statSync(file).isFile()) {
    process.stderr.write(`duckdb-wordcount: ${file} is not a file\n`);
    return 2;
  }
  fs.mkdirSync(outDir, { recursive: true });
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  await conn.run(`SET threads = ${threads}`);
  // Spills (if any) go beside the output, not into .tmp in whatever directory we were started from.
  await conn.run(`SET temp_directory = ${literal(path.join(outDir, '.duckdb-tmp'))}`);
  const version = (await conn.runAndReadAll('SELECT version()')).getRows()[0]?.[0];
  const start = process.hrtime.bigint();
  await conn.run(wordCountSql(path.resolve(file), path.join(outDir, 'part-00000')));
  const querySeconds = Number(process.hrtime.bigint() - start) / 1e9;
  conn.closeSync();
  db.closeSync();
  fs.rmSync(path.join(outDir, '.duckdb-tmp'), { recursive: true, force: true });
  process.stdout.write(`${JSON.stringify({ version: String(version), threads, querySeconds })}\n`);
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
