import type { JobReport } from '../runner/driver.ts';
import { formatBytes } from './sizes.ts';

/** The end-of-job counters report, in Hadoop's layout. */
export function formatReport(r: JobReport): string {
  const lines: string[] = [];
  const n = Object.values(r.counters).reduce((a, g) => a + Object.keys(g).length, 0);
  lines.push(`${r.jobId} (${r.jobName}) succeeded in ${(r.elapsedMs / 1000).toFixed(2)} s: ${r.maps} map(s)${r.reusedMaps ? ` (+${r.reusedMaps} reused, --resume)` : ''}, ${r.reduces} reduce(s) -> ${r.output}`);
  if (r.speculativeAttempts || r.killedAttempts) lines.push(`Attempts: ${r.speculativeAttempts} speculative, ${r.killedAttempts} killed (preempted or lost a speculative race; not failures)`);
  for (const j of r.joins ?? []) {
    const filter = j.filter ? `; Bloom filter of ${j.filter.keys} key(s): ${j.filter.bits} bits, ${formatBytes(j.filter.bytes)}, built in ${j.filter.buildMs} ms` : '';
    lines.push(`Join (step ${j.step}) with ${j.side}, ${j.kind}: ${j.strategy} (${j.reason})${filter}`);
  }
  lines.push(`Peak RSS: driver ${formatBytes(r.driverRss)}, largest task process ${formatBytes(r.maxTaskRss)}`);
  lines.push(`Counters: ${n}`);
  for (const [group, names] of Object.entries(r.counters)) {
    lines.push(`\t${group}`);
    for (const [name, v] of Object.entries(names)) lines.push(`\t\t${name}=${v}`);
  }
  return lines.join('\n');
}
