import type { SchedulerStatus } from '../../status.ts';
import { html, jobLink, num, progress, table, when, type Html } from '../html.ts';

const killButton = (id: string): Html => html`<button data-action="/ui/jobs/${encodeURIComponent(id)}/kill" data-confirm="Kill job ${id}?">Kill</button>`;

/** `/ui`: the scheduler as /scheduler.json has it — pools, running jobs, machines, lately finished jobs. */
export function overviewBody(s: SchedulerStatus): Html {
  const alloc = s.allocations
    ? html`Allocation file <code>${s.allocations.path}</code>, loaded ${when(s.allocations.loadedAt)}${s.allocations.error ? html` — <b>not reloaded: ${s.allocations.error}</b>` : ''}.`
    : 'No allocation file: every pool has weight 1 and no limits.';
  const pools = table(
    'pools',
    ['Pool', 'Running jobs', 'Waiting jobs', 'Weight', 'Min maps', 'Min reduces', 'Map demand', 'Reduce demand', 'Map fair share', 'Reduce fair share', 'Running maps', 'Running reduces'],
    s.pools.map((p) => [p.name, p.runningJobs, p.waitingJobs, num(p.weight), p.minShare.map, p.minShare.reduce, num(p.demand.map), num(p.demand.reduce), num(p.fairShare.map), num(p.fairShare.reduce), p.running.map, p.running.reduce]),
  );
  const jobs = table(
    'jobs',
    ['Job', 'Name', 'User', 'Pool', 'State', 'Submitted', 'Maps done', 'Maps running', 'Maps queued', 'Map progress', 'Reduces done', 'Reduces running', 'Reduces queued', 'Reduce progress', ''],
    s.jobs.map((j) => {
      const running = (t: 'map' | 'reduce'): number => j.attempts.filter((a) => a.type === t).length;
      return [jobLink(j.id), j.name, j.user, j.pool, j.state, when(j.submitTime), j.done.map, running('map'), j.queued.map, j.progress ? progress(j.progress.map.fraction) : '-', j.done.reduce, running('reduce'), j.queued.reduce, j.progress ? progress(j.progress.reduce.fraction) : '-', killButton(j.id)];
    }),
  );
  const hosts = table(
    'machines',
    ['Machine', 'Address', 'Map slots used', 'Reduce slots used', 'State'],
    s.hosts.map((h) => [h.name, h.address, `${h.running.map}/${h.slots.map}`, `${h.running.reduce}/${h.slots.reduce}`, h.down ? `down: ${h.down}` : 'up']),
  );
  const finished = table(
    'finished',
    ['Finished', 'Job', 'Name', 'User', 'Pool', 'State', 'Maps', 'Reduces', 'Error'],
    [...s.finished].reverse().slice(0, 50).map((f) => [when(f.finishTime), jobLink(f.id), f.name, f.user, f.pool, f.state, f.done.map, f.done.reduce, f.error ?? '']),
  );
  return html`<p>${alloc} Slots: <span id="total-map">${s.totalSlots.map}</span> map, <span id="total-reduce">${s.totalSlots.reduce}</span> reduce. Preemption ${s.preemption ? 'on' : 'off'}. As of ${when(s.now)}.</p>
<h2>Pools</h2>
${pools}
<h2>Running jobs</h2>
${jobs}
<h2>Machines</h2>
${hosts}
<h2>Finished jobs</h2>
${finished}`;
}
