import { documentTable, documentTablePath } from './documents-input.ts';
import path from 'node:path';
import type { JobCli } from '../job/cli.ts';
import { getAnalyzer } from './analyzers/registry.ts';
import { acquireLock } from '../fs/lock.ts';
import { checkTableName } from '../fs/names.ts';
import { absolutePath, joinPath } from '../fs/resolve.ts';
import { generationName, nextGenerationOn, partitionNamesOn, pruneGenerationsOn, tableDirOn } from './layout.ts';
import { CONF_SCHEMA } from './output.ts';
import { loadSchema } from './schema/load.ts';
import type { TableSchema } from './schema/model.ts';
import { readTableConfig } from './table-config.ts';
import { planTableJoins } from './join-config.ts';

/** The lock file of a table's builds, `<index-root>/<table>/.bsctl-build.lock` (hidden: never a generation). */
export const BUILD_LOCK = '.bsctl-build.lock';

/**
 * Ask for 16 maps (Hadoop's `mapreduce.job.maps` hint) of at least 8 MiB each: with one split per
 * 64 MiB block, a 100 MB build had 2 maps of unequal size and one worker idle while the other finished.
 * `--conf` overrides either key; `--split-size` overrides both.
 */
const FULL_BUILD_SPLITS = { 'mapreduce.job.maps': '16', 'mapreduce.input.fileinputformat.split.minsize': String(8 * 1024 * 1024) };

/** Flags of `bsctl run full-build`; each overrides the table config. */
export const fullBuildCli: JobCli = {
  options: {
    table: { type: 'string', describe: 'table name (config/tables/<table>.json holds its defaults)' },
    'table-config': { type: 'string', describe: 'table config file to use instead of config/tables/<table>.json' },
    schema: { type: 'string', describe: 'table schema JSON (hape, legacy ha3 or v2 tablet dialect)' },
    data: { type: 'string', array: true, describe: 'ha3 document file, directory or glob (repeatable; order = precedence)' },
    partitions: { type: 'number', describe: 'number of partitions (one reducer each)' },
    'index-root': { type: 'string', describe: 'root directory of the full indexes' },
    'skip-unsupported-indexes': { type: 'boolean', default: false, describe: 'skip ANN/SPATIAL/... indexes with a warning instead of failing' },
    wait: { type: 'boolean', default: false, describe: 'when another build of the table holds its lock, wait for it instead of failing at once' },
  },
  async plan(args, log) {
    const table = args.table;
    if (typeof table !== 'string' || !table) throw new Error('--table is required for full-build');
    checkTableName(table);
    const config = readTableConfig(table, args['table-config'] as string | undefined) ?? {};
    const schemaFile = (args.schema as string | undefined) ?? config.schema;
    const data = (args.data as string[] | undefined)?.map(absolutePath) ?? config.data;
    if (!schemaFile || !data?.length) {
      throw new Error(`table ${table}: no table config (config/tables/${table}.json) gives its schema and data; pass --schema and --data`);
    }
    const partitions = (args.partitions as number | undefined) ?? config.partitions ?? 1;
    if (!Number.isInteger(partitions) || partitions < 1 || partitions > 65536) throw new Error(`--partitions: must be a whole number from 1 to 65536 (got ${partitions})`);
    const indexRoot = args['index-root'] ? absolutePath(args['index-root'] as string) : (config.indexRoot ?? path.resolve('index'));
    let schema: TableSchema = await loadSchema(absolutePath(schemaFile), {
      skipUnsupportedIndexes: args['skip-unsupported-indexes'] === true,
      warn: (m) => log(`warning: ${m}`),
    });
    if (config.analyzers) {
      for (const [field, name] of Object.entries(config.analyzers)) {
        if (!schema.fields.some((f) => f.name === field)) throw new Error(`${config.file}: analyzers.${field}: no such field in the schema`);
        getAnalyzer(name);
      }
      schema = { ...schema, fields: schema.fields.map((f) => (config.analyzers![f.name] ? { ...f, analyzer: config.analyzers![f.name]! } : f)) };
    }
    for (const f of schema.fields) if (f.analyzer) getAnalyzer(f.analyzer);
    const joins = config.join ? planTableJoins(config.join, schema, config.file ?? table) : undefined;
    // One build of a table at a time: the generation id is chosen under the table's lock.
    const lock = await acquireLock(joinPath(tableDirOn(indexRoot, table), BUILD_LOCK), { what: `table ${table}`, wait: args.wait === true, log });
    let gid: number;
    try {
      gid = await nextGenerationOn(indexRoot, table);
    } catch (err) {
      await lock.release();
      throw err;
    }
    const output = joinPath(indexRoot, table, generationName(gid));
    // An HBase table's row key gives the primary key of rows that have no column for it (unless
    // hbaseColumns names one); hbaseColumns' columns give their fields.
    const hbaseColumns = config.hbaseColumns ?? {};
    for (const field of Object.keys(hbaseColumns)) if (!schema.fields.some((f) => f.name === field)) throw new Error(`${config.file}: hbaseColumns.${field}: no such field in the schema`);
    const input = data.map((d) => (documentTable(d) ? documentTablePath(d, schema.primaryKey, hbaseColumns) : d));
    log(`full-build ${table}: schema ${schemaFile}, ${data.length} data path(s), ${partitions} partition(s) -> generation ${gid} under ${indexRoot}`);
    return {
      input,
      output,
      reducers: partitions,
      ...(config.maxBadRecords !== undefined ? { maxBadRecords: config.maxBadRecords } : {}),
      conf: { [CONF_SCHEMA]: JSON.stringify(schema), 'fullbuild.table': table, ...FULL_BUILD_SPLITS, ...joins?.conf },
      ...(joins ? { sides: joins.sides } : {}),
      finish: () => lock.release(),
      afterCommit: async () => {
        const dropped = await pruneGenerationsOn(indexRoot, table, 2);
        if (dropped.length) log(`full-build ${table}: deleted old generation(s) ${dropped.join(', ')}`);
      },
      summary: async () => [
        `published ${table} generation ${gid}: ${(await partitionNamesOn(output)).join(', ')} under ${output}`,
      ],
    };
  },
};
