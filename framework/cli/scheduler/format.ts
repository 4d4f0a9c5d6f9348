import type { SchedulerStatus } from '../../scheduler/status.ts';

const num = (n: number): string => (n >= Number.MAX_SAFE_INTEGER ? 'inf' : Number.isInteger(n) ? String(n) : n.toFixed(1));

function columns(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

/** `bsctl scheduler status`: pools, jobs and machines as plain columns. */
export function formatStatus(url: string, s: SchedulerStatus): string {
  const out = [`scheduler ${url}/scheduler — ${s.totalSlots.map} map, ${s.totalSlots.reduce} reduce slots, preemption ${s.preemption ? "on" : "off"}${s.allocations ? `; allocations ${s.allocations.path}${s.allocations.error ? ` (NOT reloaded: ${s.allocations.error})` : ''}` : ''}`, ''];
  out.push(
    columns([
      ['POOL', 'WEIGHT', 'JOBS', 'WAITING', 'MIN M/R', 'FAIR M/R', 'RUNNING M/R', 'DEMAND M/R'],
      ...s.pools.map((p) => [p.name, num(p.weight), String(p.runningJobs), String(p.waitingJobs), `${p.minShare.map}/${p.minShare.reduce}`, `${num(p.fairShare.map)}/${num(p.fairShare.reduce)}`, `${p.running.map}/${p.running.reduce}`, `${num(p.demand.map)}/${num(p.demand.reduce)}`]),
    ]),
    '',
  );
  out.push(
    columns([
      ['JOB', 'NAME', 'POOL', 'USER', 'STATE', 'MAPS DONE/RUN/QUEUED', 'REDUCES DONE/RUN/QUEUED', 'PROGRESS'],
      ...s.jobs.map((j) => {
        const run = (t: 'map' | 'reduce'): number => j.attempts.filter((a) => a.type === t).length;
        const progress = j.progress ? `map ${Math.floor(j.progress.map.fraction * 100)}% reduce ${Math.floor(j.progress.reduce.fraction * 100)}%` : '-';
        return [j.id, j.name, j.pool, j.user, j.state, `${j.done.map}/${run('map')}/${j.queued.map}`, `${j.done.reduce}/${run('reduce')}/${j.queued.reduce}`, progress];
      }),
    ]),
    '',
  );
  const finished = [...s.finished].reverse().slice(0, 10);
  if (finished.length) {
    out.push(
      columns([
        ['FINISHED JOB', 'NAME', 'POOL', 'USER', 'STATE', 'MAPS', 'REDUCES', 'DATA-LOCAL MAPS', 'ENDED'],
        ...finished.map((f) => [f.id, f.name, f.pool, f.user, f.state, String(f.done.map), String(f.done.reduce), `${f.dataLocalMaps}/${f.launched.map}`, new Date(f.finishTime).toISOString().slice(11, 19)]),
      ]),
      '',
    );
  }
  out.push(
    columns([
      ['MACHINE', 'ADDRESS', 'MAP SLOTS', 'REDUCE SLOTS', 'STATE'],
      ...s.hosts.map((h) => [h.name, h.address, `${h.running.map}/${h.slots.map}`, `${h.running.reduce}/${h.slots.reduce}`, h.down ? `down: ${h.down}` : 'up']),
    ]),
  );
  return `${out.join('\n')}\n`;
}
