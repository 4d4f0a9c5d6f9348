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

/** A time as the schedule's zone reads it (`2024-05-02 03:00:00 Asia/Shanghai`), or undefined for a zone Intl does not know. */
function inZone(t: number, tz: string): string | undefined {
  try {
    return `${new Intl.DateTimeFormat('sv-SE', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }).format(t)} ${tz}`;
  } catch {
    return undefined;
  }
}

function nextRun(s: ScheduleView): Html | string {
  if (s.paused) return 'paused';
  if (s.nextRun === undefined) return 'never again';
  const local = s.tz ? inZone(s.nextRun, s.tz) : undefined;
  return html`${when(s.nextRun)}${local ? html` <br><small>${local}</small>` : ''}`;
}

/** `/ui/schedules`: the daemon's schedules, their next and last runs, and buttons to run, pause, resume. */
export function schedulesBody(list: readonly ScheduleView[]): Html {
  const rows = list.map((s) => [
    s.name,
    html`<code class="nw">${s.cron}</code>`,
    s.tz ?? 'the daemon\'s',
    s.pool ?? 'the daemon\'s user',
    html`<code>bsctl ${s.args.join(' ')}</code>`,
    nextRun(s),
    lastRun(s),
    s.running ? 'running' : '',
    html`${action(s.name, 'run-now', 'Run now')} ${s.paused ? action(s.name, 'resume', 'Resume') : action(s.name, 'pause', 'Pause')}`,
  ]);
  return table('schedules', ['Name', 'Cron', 'Time zone', 'Pool', 'Command', 'Next run', 'Last run', 'Now', ''], rows);
}
