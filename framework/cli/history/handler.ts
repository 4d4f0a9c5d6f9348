import { checkSimpleName } from '../../fs/names.ts';
import { parseDuration } from '../../scheduler/duration.ts';
import { probableCauseLine } from '../../scheduler/probable-cause.ts';
import { historyDir, type JobHistory } from '../../scheduler/history.ts';
import { readHistoryAt } from '../../scheduler/history-store.ts';
import { formatReport } from '../report.ts';
import type { HistoryArgs } from './command.ts';

/** `--since 7d` as milliseconds. */
export const parseSince = (text: string): number => parseDuration(text, '--since');

const when = (t: number): string => new Date(t).toISOString().replace(/\.\d+Z$/, 'Z');

function line(r: JobHistory): string {
  const build = r.table ? ` table ${r.table}${r.generation !== undefined ? ` generation ${r.generation}` : ''}` : '';
  const failure = r.error ? ` — ${r.error.split('\n')[0]}` : '';
  return `${r.jobId}  ${r.status.padEnd(9)} ${when(r.startTime)}  ${((r.finishTime - r.startTime) / 1000).toFixed(1).padStart(7)} s  ${r.name} (${r.runner}, ${r.user})${build}${failure}`;
}

export async function historyHandler(args: HistoryArgs): Promise<number> {
  const warn = (l: string): void => void process.stderr.write(`${l}\n`);
  const dir = args['history-dir'] ?? historyDir(args['state-dir']);
  const all = await readHistoryAt(dir, warn);
  if (args.action === 'show') {
    if (!args.job) throw new Error('history show: which job? (bsctl history lists them)');
    checkSimpleName(args.job, 'history show JOB');
    const r = all.find((x) => x.jobId === args.job);
    if (!r) throw new Error(`history show: no job ${args.job} in ${dir}`);
    if (args.json) {
      process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
      return 0;
    }
    const cause = probableCauseLine(r);
    const out = [...(cause ? [cause] : []), line(r), `command: ${r.command}`, `input: ${r.input.join(', ')}`, `output: ${r.output}`];
    if (r.pool) out.push(`pool: ${r.pool}`);
    if (r.error) out.push(`error: ${r.error}`);
    if (r.report) out.push(formatReport(r.report));
    process.stdout.write(`${out.join('\n')}\n`);
    return 0;
  }
  if (args.table) checkSimpleName(args.table, '--table');
  const since = args.since ? Date.now() - parseSince(args.since) : -Infinity;
  const records = all.filter((r) => r.startTime >= since && (!args.failed || r.status === 'failed') && (!args.table || r.table === args.table));
  if (args.json) process.stdout.write(`${JSON.stringify(records, null, 2)}\n`);
  else process.stdout.write(records.length ? `${records.map(line).join('\n')}\n` : `no jobs in ${dir}${args.failed || args.table || args.since ? ' match' : ''}\n`);
  return 0;
}
