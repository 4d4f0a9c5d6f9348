import path from 'node:path';
import { getAnalyzer } from '../../index/analyzers/registry.ts';
import { loadSchema } from '../../index/schema/load.ts';
import { readTableConfig, type TableConfig } from '../../index/table-config.ts';
import { fileSystemFor } from '../../fs/resolve.ts';
import { documentTable } from '../../index/documents-input.ts';
import { HBaseRest, restAddress } from '../../input/hbase/rest.ts';
import { attempt, errorText, fail, pass, type Check } from './check.ts';
import { probeWritable } from './probe.ts';

/** The part of a data path before its first glob character (what must exist). */
function staticPart(p: string): string {
  const i = p.search(/[*?[{]/);
  return i < 0 ? p : p.slice(0, p.lastIndexOf('/', i) + 1) || '/';
}

/** Says why a path cannot be checked (its HDFS is unreachable), else undefined. */
export type Unreachable = (p: string) => string | undefined;

/** An HBase table as data: its gateway answers and lists the table's regions. */
function hbaseDataCheck(name: string, data: string): Promise<Check> {
  return attempt(name, 'start the HBase REST gateway (scripts/hbase start) and set $BSCTL_HBASE_REST to it, or correct "data"', async () => {
    const { table } = documentTable(data)!;
    const client = new HBaseRest(restAddress(undefined, name));
    const regions = await client.regions(table);
    return `HBase table ${table}: ${regions.length} region(s) through the REST gateway ${client.base}`;
  });
}

async function dataCheck(table: string, data: string, unreachable: Unreachable): Promise<Check> {
  const name = `table ${table}: data ${data}`;
  if (/^hbase:\/\//i.test(data)) return hbaseDataCheck(name, data);
  const fix = `create ${data} or correct "data" in the table config`;
  const why = unreachable(data);
  if (why) return fail(name, why, 'make the NameNode reachable (see the hdfs line)');
  return attempt(name, fix, async () => {
    const base = staticPart(data);
    const st = await fileSystemFor(base).stat(base);
    if (!st) throw new Error(`${base}: no such file or directory`);
    return base === data ? `exists (${st.isDirectory ? 'directory' : `${st.length} bytes`})` : `${base} exists (glob)`;
  });
}

async function schemaCheck(table: string, config: TableConfig): Promise<Check> {
  const name = `table ${table}: schema`;
  if (!config.schema) return fail(name, `${config.file}: no "schema" key`, 'add "schema": "<path to schema JSON>" to the table config');
  return attempt(name, `fix or create the schema file ${config.schema} (hape, legacy ha3 or v2 tablet JSON)`, async () => {
    const schema = await loadSchema(config.schema!);
    for (const [field, analyzer] of Object.entries(config.analyzers ?? {})) {
      if (!schema.fields.some((f) => f.name === field)) throw new Error(`${config.file}: analyzers.${field}: no such field in the schema`);
      getAnalyzer(analyzer);
    }
    const analyzers = new Set(schema.fields.map((f) => config.analyzers?.[f.name] ?? f.analyzer).filter((a): a is string => !!a));
    for (const a of analyzers) getAnalyzer(a);
    return `${config.schema}: ${schema.fields.length} field(s), analyzers ${[...analyzers].sort().join(', ') || '(none)'}`;
  });
}

/** Where a build of the table writes (as `bsctl run full-build` without --index-root). */
export function indexRootOfConfig(config: TableConfig): string {
  return config.indexRoot ?? path.resolve('index');
}

/** Checks of one table: its config parses, its schema (and analyzers) load, its data exists, its index root is writable. */
export async function tableChecks(table: string, configFile: string | undefined, unreachable: Unreachable): Promise<Check[]> {
  let config: TableConfig | undefined;
  try {
    config = readTableConfig(table, configFile);
  } catch (err) {
    return [fail(`table ${table}: config`, errorText(err), 'fix the table name (--table) or the key named above in the table config')];
  }
  if (!config) return [fail(`table ${table}: config`, `no config/tables/${table}.json`, `create config/tables/${table}.json or pass --table-config FILE`)];
  const checks: Check[] = [pass(`table ${table}: config`, `${config.file} parses`), await schemaCheck(table, config)];
  if (!config.data?.length) checks.push(fail(`table ${table}: data`, `${config.file}: no "data" paths`, 'add "data": ["<ha3 doc file, dir or glob>"] to the table config'));
  for (const d of config.data ?? []) checks.push(await dataCheck(table, d, unreachable));
  const root = indexRootOfConfig(config);
  const name = `table ${table}: index root ${root}`;
  const why = unreachable(root);
  if (why) checks.push(fail(name, why, 'make the NameNode reachable (see the hdfs line)'));
  else checks.push(await attempt(name, `make ${root} writable for this user, or correct "indexRoot" in the table config`, () => probeWritable(root)));
  return checks;
}
