import type { JobHistory } from '../../history.ts';
import { duration, html, jobLink, table, when, type Html } from '../html.ts';
import type { HistoryFilter } from '../history-query.ts';

const MAX_ROWS = 500;

function filters(f: HistoryFilter): Html {
  return html`<form class="filters" method="get" action="/ui/history">
<label>Table <input name="table" value="${f.table ?? ''}" size="12"></label>
<label><input type="checkbox" name="failed" value="1"${f.failed ? html` checked` : ''}> failed only</label>
<label>Since <input name="since" value="${f.sinceText ?? ''}" size="12" placeholder="7d, 12h, 2024-05-01"></label>
<button type="submit">Filter</button> <a href="/ui/history">all</a>
</form>`;
}

/** `/ui/history`: the history records (newest first) that pass the filters. */
export function historyBody(records: readonly JobHistory[], f: HistoryFilter): Html {
  const rows = records.slice(0, MAX_ROWS).map((r) => [
    jobLink(r.jobId),
    html`<span class="state-${r.status}">${r.status}</span>`,
    when(r.startTime),
    duration(r.finishTime - r.startTime),
    r.name,
    r.runner,
    r.user,
    r.pool ?? '',
    r.table ?? '',
    r.generation ?? '',
    r.report?.maps ?? '',
    r.report?.reduces ?? '',
    (r.attempts?.length ?? 0) + (r.attemptsDropped ?? 0),
    r.attempts?.filter((a) => a.status === 'failed').length ?? 0,
    r.error?.split('\n')[0] ?? '',
  ]);
  const cut = records.length > MAX_ROWS ? html`<p>The newest ${MAX_ROWS} of ${records.length} jobs.</p>` : '';
  return html`${filters(f)}<p><span id="history-count">${records.length}</span> job(s).</p>${cut}
${table('history', ['Job', 'Status', 'Started', 'Took', 'Name', 'Runner', 'User', 'Pool', 'Table', 'Generation', 'Maps', 'Reduces', 'Attempts', 'Failed attempts', 'Error'], rows)}`;
}
