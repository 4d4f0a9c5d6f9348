import fs from 'node:fs';
import path from 'node:path';
import { loadClusterConfig, type ClusterConfig } from '../../cluster/config.ts';
import { readTableConfig, TABLES_DIR } from '../../index/table-config.ts';
import { loadAllocations } from '../../scheduler/allocations.ts';
import { attempt, errorText, fail, formatCheck, pass, type Check } from './check.ts';
import type { ValidateArgs } from './command.ts';
import { hdfsChecks } from './hdfs-checks.ts';
import { machineChecks } from './machine-checks.ts';
import { indexRootOfConfig, tableChecks } from './table-checks.ts';
import { scheduleChecks } from './schedule-checks.ts';
import { defaultStateDir } from '../../scheduler/client.ts';

/** The tables to check: those named, the one --table-config defines, else every config/tables/*.json. */
function tablesOf(args: ValidateArgs): string[] {
  if (args.table?.length) return args.table;
  if (args['table-config']) return [path.basename(args['table-config']).replace(/\.json$/, '')];
  if (!fs.existsSync(TABLES_DIR)) return [];
  return fs.readdirSync(TABLES_DIR).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -'.json'.length)).sort();
}

/** Every path on HDFS the tables read or write (configs that do not parse are reported by tableChecks). */
function hdfsPathsOf(tables: readonly string[], configFile?: string): string[] {
  const out: string[] = [];
  for (const t of tables) {
    try {
      const c = readTableConfig(t, configFile);
      if (c) out.push(...(c.data ?? []), indexRootOfConfig(c));
    } catch {
      // reported by tableChecks
    }
  }
  return out;
}

function clusterOf(args: ValidateArgs, checks: Check[]): ClusterConfig | undefined {
  const file = args.cluster ?? process.env.BSCTL_CLUSTER;
  if (!file) {
    checks.push(pass('cluster', 'none configured (no --cluster, no $BSCTL_CLUSTER): machine checks skipped'));
    return undefined;
  }
  try {
    const c = loadClusterConfig(file);
    checks.push(pass('cluster', `${c.file}: ${c.machines.length} machine(s)`));
    return c;
  } catch (err) {
    checks.push(fail('cluster', errorText(err), 'fix the key named above in the cluster config'));
    return undefined;
  }
}

async function allocationsCheck(args: ValidateArgs, cluster: ClusterConfig | undefined): Promise<Check> {
  const file = args.allocations ? path.resolve(args.allocations) : cluster?.allocations;
  if (!file) return pass('allocations', 'none configured (the scheduler uses one default pool per user)');
  return attempt('allocations', 'fix the allocation file (an MR1 fair-scheduler.xml) at the place named above', () => {
    const a = loadAllocations(file);
    return `${file} parses: ${a.pools.size} pool(s)${a.pools.size ? ` (${[...a.pools.keys()].join(', ')})` : ''}`;
  });
}

export async function validateHandler(args: ValidateArgs): Promise<number> {
  const checks: Check[] = [];
  const tables = tablesOf(args);
  if (!tables.length) checks.push(fail('tables', `no table configs in ${TABLES_DIR}`, 'pass --table T or --table-config FILE'));
  const hdfs = await hdfsChecks(hdfsPathsOf(tables, args['table-config']));
  checks.push(...hdfs.checks);
  for (const t of tables) checks.push(...(await tableChecks(t, args['table-config'], hdfs.unreachable)));
  const cluster = clusterOf(args, checks);
  checks.push(await allocationsCheck(args, cluster));
  const minFree = Math.round(args['min-free-gb'] * 2 ** 30);
  for (const machine of await Promise.all((cluster?.machines ?? []).map((m) => machineChecks(m, minFree)))) checks.push(...machine);
  checks.push(...(await scheduleChecks(path.resolve(args['state-dir'] ?? defaultStateDir()))));
  for (const c of checks) process.stdout.write(`${formatCheck(c)}\n`);
  const failed = checks.filter((c) => !c.ok).length;
  process.stdout.write(`${checks.length} checks, ${failed} failed\n`);
  return failed ? 1 : 0;
}
