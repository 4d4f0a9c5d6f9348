import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkTableName } from '../fs/names.ts';
import { absolutePath } from '../fs/resolve.ts';
import { parseTableJoins, type TableJoins } from './join-config.ts';
import { isCellColumn } from '../input/hbase/rest.ts';

/** Where bundled table configs live: `config/tables/<table>.json`. */
export const TABLES_DIR = fileURLToPath(new URL('../../config/tables/', import.meta.url));

/** A table definition (paths relative to the config file). */
export interface TableConfig {
  readonly file?: string;
  readonly schema?: string;
  readonly data?: readonly string[];
  readonly partitions?: number;
  readonly indexRoot?: string;
  /** Analyzer per field, overriding the schema's. */
  readonly analyzers?: Readonly<Record<string, string>>;
  readonly maxBadRecords?: number;
  /** Side tables enriching the documents, key lists restricting the build (see join-config.ts). */
  readonly join?: TableJoins;
  /** For `hbase://` data: schema field → `family:qualifier` where a field is not in `cf:<field>`. */
  readonly hbaseColumns?: Readonly<Record<string, string>>;
}

function check(cond: boolean, file: string, key: string, reason: string): void {
  if (!cond) throw new Error(`${file}: ${key}: ${reason}`);
}

/** Read `config/tables/<table>.json` (or `file`); undefined when there is none. */
export function readTableConfig(table: string, file?: string): TableConfig | undefined {
  checkTableName(table);
  const f = file ? path.resolve(file) : path.join(TABLES_DIR, `${table}.json`);
  if (!fs.existsSync(f)) {
    if (file) throw new Error(`--table-config ${file}: no such file`);
    return undefined;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(f, 'utf8'));
  } catch (err) {
    throw new Error(`${f}: invalid JSON: ${(err as Error).message}`);
  }
  check(typeof raw === 'object' && raw !== null && !Array.isArray(raw), f, '(root)', 'must be a JSON object');
  const c = raw as Record<string, unknown>;
  const base = path.dirname(f);
  const rel = (p: string): string => (/^[a-z]+:\/\//i.test(p) ? p : path.resolve(base, p));
  check(c.schema === undefined || typeof c.schema === 'string', f, 'schema', 'must be a path');
  check(c.data === undefined || (Array.isArray(c.data) && c.data.every((d) => typeof d === 'string')), f, 'data', 'must be a list of paths');
  check(c.partitions === undefined || (Number.isInteger(c.partitions) && (c.partitions as number) >= 1 && (c.partitions as number) <= 65536), f, 'partitions', 'must be a whole number from 1 to 65536');
  check(c.indexRoot === undefined || typeof c.indexRoot === 'string', f, 'indexRoot', 'must be a path');
  check(c.maxBadRecords === undefined || (Number.isInteger(c.maxBadRecords) && (c.maxBadRecords as number) >= 0), f, 'maxBadRecords', 'must be a whole number ≥ 0');
  check(c.analyzers === undefined || (typeof c.analyzers === 'object' && c.analyzers !== null), f, 'analyzers', 'must map field names to analyzer names');
  check(c.hbaseColumns === undefined || (typeof c.hbaseColumns === 'object' && c.hbaseColumns !== null && !Array.isArray(c.hbaseColumns)), f, 'hbaseColumns', 'must map field names to HBase columns (family:qualifier)');
  for (const [field, column] of Object.entries((c.hbaseColumns as Record<string, unknown> | undefined) ?? {})) {
    check(typeof column === 'string' && isCellColumn(column), f, `hbaseColumns.${field}`, `"${String(column)}" is not an HBase column (family:qualifier)`);
  }
  return {
    file: f,
    ...(typeof c.schema === 'string' ? { schema: rel(c.schema) } : {}),
    ...(Array.isArray(c.data) ? { data: (c.data as string[]).map(rel) } : {}),
    ...(typeof c.partitions === 'number' ? { partitions: c.partitions } : {}),
    ...(typeof c.indexRoot === 'string' ? { indexRoot: rel(c.indexRoot) } : {}),
    ...(c.analyzers ? { analyzers: c.analyzers as Record<string, string> } : {}),
    ...(typeof c.maxBadRecords === 'number' ? { maxBadRecords: c.maxBadRecords } : {}),
    ...(c.join !== undefined ? { join: parseTableJoins(c.join, f, rel) } : {}),
    ...(c.hbaseColumns ? { hbaseColumns: c.hbaseColumns as Record<string, string> } : {}),
  };
}

/** The index root a table uses: the flag, else its config, else ./index. */
export function indexRootOf(table: string, flag?: string, configFile?: string): string {
  checkTableName(table);
  if (flag) return absolutePath(flag);
  return readTableConfig(table, configFile)?.indexRoot ?? path.resolve('index');
}
