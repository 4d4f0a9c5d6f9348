import type { ScheduleRun, ScheduleView } from '../../scheduler/schedule-types.ts';

const when = (t: number | undefined): string => (t ? new Date(t).toISOString().replace(/\.\d+Z$/, 'Z') : '-');

function columns(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n') + '\n';
}

function outcome(r: ScheduleRun | undefined): string {
  if (!r) return 'never run';
  return `${r.outcome}${r.late ? ' (late)' : ''} ${when(r.start)}${r.reason ? `: ${r.reason.split('\n')[0]}` : ''}`;
}

/** `bsctl schedule ls`: one line per schedule with its next run and its last outcome. */
export function formatSchedules(list: readonly ScheduleView[]): string {
  if (list.length === 0) return 'no schedules (add one: bsctl schedule add NAME --cron "0 2 * * *" -- run full-build --table in1)\n';
  return columns([
    ['NAME', 'CRON', 'TZ', 'STATE', 'NEXT RUN', 'COMMAND', 'LAST RUN'],
    ...list.map((s) => [s.name, s.cron, s.tz ?? '-', s.paused ? 'paused' : s.running ? 'running' : 'active', when(s.nextRun), `bsctl ${s.args.join(' ')}`, outcome(s.lastRun)]),
  ]);
}

/** `bsctl schedule runs NAME`: its runs, newest last. */
export function formatRuns(runs: readonly ScheduleRun[]): string {
  if (runs.length === 0) return 'no runs yet\n';
  return columns([
    ['RUN', 'TRIGGER', 'FOR', 'START', 'END', 'OUTCOME', 'JOBS', 'LOG'],
    ...runs.map((r) => [r.runId, r.trigger, when(r.scheduledFor), when(r.start), when(r.end), `${r.outcome}${r.late ? ' (late)' : ''}${r.reason ? `: ${r.reason.split('\n')[0]}` : ''}`, r.jobIds.join(',') || '-', r.log]),
  ]);
}
