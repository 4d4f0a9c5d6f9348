import type { SchedulerStatus } from './status.ts';

const esc = (s: unknown): string => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const num = (n: number): string => (n >= Number.MAX_SAFE_INTEGER ? '∞' : Number.isInteger(n) ? String(n) : n.toFixed(1));
const time = (t: number | undefined): string => (t ? new Date(t).toISOString().slice(11, 19) : '-');
const pct = (f: number): string => `${(f * 100).toFixed(1)}%`;

function table(headers: readonly string[], rows: readonly (readonly unknown[])[]): string {
  const head = headers.map((h) => `<th>${esc(h)}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('\n');
  return `<table><thead><tr>${head}</tr></thead><tbody>\n${body || `<tr><td colspan="${headers.length}">none</td></tr>`}\n</tbody></table>`;
}

/** The operator's page, like Hadoop's JobTracker /scheduler: pools, running jobs, machines. */
export function schedulerPage(s: SchedulerStatus): string {
  const pools = table(
    ['Pool', 'Running Jobs', 'Waiting Jobs', 'Weight', 'Min Maps', 'Min Reduces', 'Map Demand', 'Reduce Demand', 'Map Fair Share', 'Reduce Fair Share', 'Running Maps', 'Running Reduces'],
    s.pools.map((p) => [p.name, p.runningJobs, p.waitingJobs, num(p.weight), p.minShare.map, p.minShare.reduce, num(p.demand.map), num(p.demand.reduce), num(p.fairShare.map), num(p.fairShare.reduce), p.running.map, p.running.reduce]),
  );
  const jobs = table(
    ['Submitted', 'Job', 'Name', 'User', 'Pool', 'State', 'Maps done', 'Maps running', 'Maps queued', 'Map %', 'Reduces done', 'Reduces running', 'Reduces queued', 'Reduce %'],
    s.jobs.map((j) => {
      const running = (t: 'map' | 'reduce'): number => j.attempts.filter((a) => a.type === t).length;
      return [time(j.submitTime), j.id, j.name, j.user, j.pool, j.state, j.done.map, running('map'), j.queued.map, j.progress ? pct(j.progress.map.fraction) : '-', j.done.reduce, running('reduce'), j.queued.reduce, j.progress ? pct(j.progress.reduce.fraction) : '-'];
    }),
  );
  const hosts = table(
    ['Machine', 'Address', 'Map slots used', 'Reduce slots used', 'State'],
    s.hosts.map((h) => [h.name, h.address, `${h.running.map}/${h.slots.map}`, `${h.running.reduce}/${h.slots.reduce}`, h.down ? `down: ${h.down}` : 'up']),
  );
  const finished = table(
    ['Finished', 'Job', 'Name', 'User', 'Pool', 'State', 'Maps', 'Reduces', 'Error'],
    [...s.finished].reverse().slice(0, 50).map((f) => [time(f.finishTime), f.id, f.name, f.user, f.pool, f.state, f.done.map, f.done.reduce, f.error ?? '']),
  );
  const alloc = s.allocations ? `Allocation file ${esc(s.allocations.path)}, loaded ${time(s.allocations.loadedAt)}${s.allocations.error ? ` — <b>not reloaded: ${esc(s.allocations.error)}</b>` : ''}.` : 'No allocation file: every pool has weight 1 and no limits.';
  return `<!doctype html>
<html><head><meta charset="utf-8"><meta http-equiv="refresh" content="5"><title>bsctl Fair Scheduler</title>
<style>body{font-family:sans-serif;margin:1.5em}table{border-collapse:collapse;margin-bottom:1.5em}th,td{border:1px solid #bbb;padding:2px 8px;text-align:right}th{background:#eee}td:first-child,th:first-child{text-align:left}</style>
</head><body>
<h1>Fair Scheduler</h1>
<p>${alloc} Slots: ${s.totalSlots.map} map, ${s.totalSlots.reduce} reduce. Preemption ${s.preemption ? "on" : "off"}. Also as <a href="/scheduler.json">JSON</a>.</p>
<h2>Pools</h2>
${pools}
<h2>Running Jobs</h2>
${jobs}
<h2>Machines</h2>
${hosts}
<h2>Finished Jobs</h2>
${finished}
</body></html>
`;
}
