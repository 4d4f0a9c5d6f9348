import type { ScheduleView } from '../../schedule-types.ts';
import { html, jobLink, table, when, type Html } from '../html.ts';

const action = (name: string, what: 'run-now' | 'pause' | 'resume', label: string): Html =>
  html`<button data-action="/ui/schedules/${encodeURIComponent(name)}/${what}">${label}</button>`;

function lastRun(s: ScheduleView): Html | string {
  const r = s.lastRun;
  if (!r) return 'never ran';
  const jobs = r.jobIds.map((id, i) => html`${i ? ', ' : ''}${jobLink(id)}`);
  return html`<span class="state-${r.outcome}">${r.outcome}</span> ${when(r.start)} (${r.trigger}${r.late ? ', late' : ''})${r.reason ? html`: ${r.reason}` : ''}${jobs.length ? html` — ${jobs}` : ''}`;
}

/** `/ui/schedules`: the daemon's schedules, their next and last runs, and buttons to run, pause, resume. */
export function schedulesBody(list: readonly ScheduleView[]): Html {
  const rows = list.map((s) => [
    s.name,
    html`<code>${s.cron}</code>`,
    s.tz ?? 'the daemon\'s',
    s.pool ?? '',
    html`<code>bsctl ${s.args.join(' ')}</code>`,
    s.paused ? 'paused' : when(s.nextRun),
    lastRun(s),
    s.running ? 'running' : '',
    html`${action(s.name, 'run-now', 'Run now')} ${s.paused ? action(s.name, 'resume', 'Resume') : action(s.name, 'pause', 'Pause')}`,
  ]);
  return table('schedules', ['Name', 'Cron', 'Time zone', 'Pool', 'Command', 'Next run', 'Last run', 'Now', ''], rows);
}
