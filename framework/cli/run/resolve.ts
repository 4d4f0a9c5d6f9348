import type { JobPlan } from '../../job/cli.ts';
import { DEFAULT_TASK_TIMEOUT_MS } from '../../runner/options.ts';
import { sortFactorOf } from '../../shuffle/sort-factor.ts';
import { parseSize } from '../sizes.ts';
import { checkSimpleName } from '../../fs/names.ts';
import type { RunArgs } from './command.ts';

/** bsctl's built-in defaults of `bsctl run`, each in this one place (--help shows them). */
export const RUN_DEFAULTS = {
  /** Map-side sort / aggregation budget per task, MiB (Hadoop's io.sort.mb). */
  sortMb: 100,
  /** Seconds an attempt may report no progress (Hadoop's mapreduce.task.timeout). */
  taskTimeoutS: DEFAULT_TASK_TIMEOUT_MS / 1000,
  /** Bad input records tolerated before the job fails. */
  maxBadRecords: 0,
} as const;

/** Run options once every source has been weighed. */
export interface ResolvedRun {
  readonly reducers?: number;
  readonly workers?: number;
  readonly sortMb: number;
  readonly splitSize?: number;
  readonly maxBadRecords: number;
  readonly taskTimeoutMs: number;
  readonly overwrite: boolean;
  readonly conf: Readonly<Record<string, string>>;
  /** Join sides' paths by side name. */
  readonly sides: Readonly<Record<string, readonly string[]>>;
  /** Options given that the chosen runner ignores, to be said once. */
  readonly warnings: readonly string[];
}

export function parseConf(pairs: readonly string[]): Record<string, string> {
  const conf: Record<string, string> = {};
  for (const p of pairs) {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new Error(`--conf: "${p}" is not key=value`);
    conf[p.slice(0, eq)] = p.slice(eq + 1);
  }
  return conf;
}

/** `--side NAME=PATH[,PATH...]` flags as paths by side name (a side named twice gets both lists). */
export function parseSides(pairs: readonly string[]): Record<string, string[]> {
  const sides: Record<string, string[]> = {};
  for (const p of pairs) {
    const eq = p.indexOf('=');
    if (eq <= 0 || eq === p.length - 1) throw new Error(`--side: "${p}" is not NAME=PATH[,PATH...]`);
    const name = p.slice(0, eq);
    checkSimpleName(name, '--side NAME');
    const paths = p.slice(eq + 1).split(',');
    if (paths.some((x) => x.length === 0)) throw new Error(`--side ${name}: an empty path in "${p.slice(eq + 1)}"`);
    (sides[name] ??= []).push(...paths);
  }
  return sides;
}

export function positiveInt(v: number | undefined, key: string, min = 1): number | undefined {
  if (v === undefined) return undefined;
  if (!Number.isInteger(v) || v < min) throw new Error(`${key}: must be a whole number of at least ${min} (got ${v})`);
  return v;
}

/** The run flags checked on their own, before a job plans anything (a bad flag fails first, once). */
export function checkRunFlags(args: RunArgs): void {
  positiveInt(args.reducers, '--reducers');
  positiveInt(args.workers, '--workers');
  const sortMb = positiveInt(args['sort-mb'], '--sort-mb');
  if (sortMb !== undefined && sortMb > 2047) throw new Error(`--sort-mb: at most 2047 (like Hadoop's io.sort.mb), got ${sortMb}`);
  positiveInt(args['max-bad-records'], '--max-bad-records', 0);
  positiveInt(args['task-timeout'], '--task-timeout');
  if (args['split-size'] !== undefined) parseSize(args['split-size'], '--split-size');
  parseSides(args.side ?? []);
  sortFactorOf(parseConf(args.conf)); // a bad mapreduce.task.io.sort.factor fails here, not in every task attempt
  if (args.resume && (args.runner === 'cluster' || args.runner === 'yarn')) throw new Error('--resume: works with the inline and local runners (map outputs on SSH hosts and YARN are not recorded)');
}

/**
 * One precedence rule for every run option: a flag on the command line, over the table or job config
 * (what the job's plan says, e.g. a table config's partitions or maxBadRecords), over the job's own
 * defaults (a step's `reducers`, applied by the driver when nothing else is set), over RUN_DEFAULTS.
 * `conf` merges key by key under the same rule. Options the runner ignores are listed as warnings.
 */
export function resolveRunOptions(args: RunArgs, plan: JobPlan): ResolvedRun {
  checkRunFlags(args);
  const reducers = args.reducers ?? plan.reducers;
  const warnings: string[] = [];
  if (args.workers !== undefined && args.runner !== 'local') warnings.push(`--workers is for the local runner; --runner ${args.runner} ignores it`);
  if (args.runner !== 'cluster') {
    for (const flag of ['pool', 'priority', 'scheduler', 'cluster'] as const) if (args[flag] !== undefined && !(flag === 'pool' && args.runner === 'yarn')) warnings.push(`--${flag} is for --runner cluster; --runner ${args.runner} ignores it`);
  }
  return {
    ...(reducers !== undefined ? { reducers } : {}),
    ...(args.workers !== undefined ? { workers: args.workers } : {}),
    sortMb: args['sort-mb'] ?? RUN_DEFAULTS.sortMb,
    ...(args['split-size'] !== undefined ? { splitSize: parseSize(args['split-size'], '--split-size') } : {}),
    maxBadRecords: args['max-bad-records'] ?? plan.maxBadRecords ?? RUN_DEFAULTS.maxBadRecords,
    taskTimeoutMs: (args['task-timeout'] ?? RUN_DEFAULTS.taskTimeoutS) * 1000,
    overwrite: args.overwrite || (plan.overwrite ?? false),
    conf: { ...plan.conf, ...parseConf(args.conf) },
    sides: { ...plan.sides, ...parseSides(args.side ?? []) },
    warnings,
  };
}
