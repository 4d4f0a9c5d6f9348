import { bytes, duration, html, num, progress, table, when, type Html } from '../html.ts';
import type { JobView } from '../job-view.ts';
import { probableCauseLine } from '../../probable-cause.ts';
import { timelineSvg } from '../timeline-svg.ts';

const MAX_ATTEMPT_ROWS = 1000;
const MAX_LOG_LINES = 200;

function summary(j: JobView): Html {
  const rows: [string, Html | string][] = [
    ['State', html`<span id="state" class="state-${j.state}">${j.state}</span>`],
    ['Name', j.name],
    ['User', j.user],
    ['Pool', j.pool ?? '-'],
    ['Command', j.command ?? '-'],
    ['Input', j.input.join(', ')],
    ['Output', j.output],
    ['Started', when(j.startTime)],
    ['Finished', when(j.finishTime)],
  ];
  if (j.startTime && j.finishTime) rows.push(['Took', duration(j.finishTime - j.startTime)]);
  if (j.table) rows.push(['Table', `${j.table}${j.generation !== undefined ? `, generation ${j.generation}` : ''}`]);
  rows.push(['Known from', j.source === 'daemon' ? 'the daemon (it runs or ran this job)' : 'history']);
  return html`<table id="summary"><tbody>${rows.map(([k, v]) => html`<tr><th>${k}</th><td>${v}</td></tr>`)}</tbody></table>`;
}

function failure(j: JobView): Html {
  if (!j.error) return html``;
  // The one-line probable cause (task, machine, exception with the record's offset, split, the guess), as `bsctl logs` prints it.
  const cause = probableCauseLine({ status: 'failed', error: j.error, attempts: j.attempts })?.replace(/^probable cause: /, '');
  return html`${cause ? html`<div class="cause" id="probable-cause"><b>Probable cause:</b> <span>${cause}</span></div>` : ''}
<h2>Error</h2><pre class="error" id="error">${j.error}</pre>`;
}

function progressOf(j: JobView): Html {
  const p = j.progress;
  if (!p || j.state === 'succeeded' || j.state === 'failed') return html``;
  return table('progress', ['Phase', 'Done', 'Total', 'Progress'], [
    ['map', p.map.done, p.map.total, progress(p.map.fraction)],
    ['reduce', p.reduce.done, p.reduce.total, progress(p.reduce.fraction)],
  ]);
}

function reportOf(j: JobView): Html {
  const r = j.report;
  if (!r) return html`<p>Counters and bad records appear when the job has finished.</p>`;
  const tasks = table('tasks', ['Maps', 'Reused maps', 'Reduces', 'Speculative attempts', 'Killed attempts', 'Elapsed', 'Max task RSS', 'Bad records'], [
    [r.maps, r.reusedMaps, r.reduces, r.speculativeAttempts, r.killedAttempts, duration(r.elapsedMs), bytes(r.maxTaskRss), r.badRecordCount],
  ]);
  const counters = table(
    'counters',
    ['Group', 'Counter', 'Value'],
    Object.entries(r.counters).flatMap(([group, cs]) => Object.entries(cs).map(([name, value]) => [group, name, num(value)])),
  );
  const bad = table('bad-records', ['File', 'Byte offset', 'Reason'], r.badRecords.map((b) => [b.path, b.offset, b.reason]));
  const more = r.badRecordCount > r.badRecords.length ? html`<p>${r.badRecordCount} bad records in all; the first ${r.badRecords.length} are listed.</p>` : '';
  return html`${tasks}<h2>Counters</h2>${counters}<h2>Bad records</h2>${more}${bad}`;
}

function attemptsOf(j: JobView, now: number): Html {
  const dropped = j.attemptsDropped ? html`<p>${j.attemptsDropped} succeeded attempts past the history's cap are not kept (every failed and killed one is).</p>` : '';
  const rows = j.attempts.slice(0, MAX_ATTEMPT_ROWS).map((a) => [a.attemptId, a.type, a.machine || '-', a.status, when(a.start), a.start !== undefined ? duration(a.end - a.start) : '-', bytes(a.bytesIn), bytes(a.bytesOut), a.split ?? '', a.error ?? '']);
  const cut = j.attempts.length > MAX_ATTEMPT_ROWS ? html`<p>The first ${MAX_ATTEMPT_ROWS} of ${j.attempts.length} attempts.</p>` : '';
  return html`<h2>Task attempts</h2>
<p><span id="attempt-count">${j.attempts.length}</span> ended${j.running.length ? html`, <span id="running-count">${j.running.length}</span> running` : ''}.</p>
${dropped}
${timelineSvg(j.attempts, j.running, now)}
${cut}${table('attempts', ['Attempt', 'Type', 'Machine', 'Status', 'Started', 'Took', 'Bytes in', 'Bytes out', 'Split', 'Error'], rows)}`;
}

/** `/ui/jobs/<id>`: a job's state, progress, counters, bad records, attempts timeline and, failed, its probable cause. */
export function jobBody(j: JobView, now: number): Html {
  const kill = j.source === 'daemon' && (j.state === 'running' || j.state === 'waiting' || j.state === 'starting') ? html`<p><button data-action="/ui/jobs/${encodeURIComponent(j.id)}/kill" data-confirm="Kill job ${j.id}?">Kill this job</button></p>` : '';
  const log = j.log.length ? html`<h2>Log</h2><pre class="log" id="log">${j.log.slice(-MAX_LOG_LINES).join('\n')}</pre>` : '';
  return html`${failure(j)}${kill}${summary(j)}${progressOf(j)}${reportOf(j)}${attemptsOf(j, now)}${log}`;
}
