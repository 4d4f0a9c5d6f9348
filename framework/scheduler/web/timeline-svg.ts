import type { AttemptRecord } from '../../runner/attempt-record.ts';
import { duration, esc, trusted, when, type Html } from './html.ts';

/** An attempt still running (the scheduler's view): drawn up to now. */
export interface RunningAttempt {
  readonly attemptId: string;
  readonly type: 'map' | 'reduce';
  readonly host: string;
  readonly start: number;
}

interface Bar {
  readonly id: string;
  readonly machine: string;
  readonly type: 'map' | 'reduce';
  /** succeeded / failed / killed, or running. */
  readonly status: string;
  readonly start: number;
  readonly end: number;
  readonly title: string;
}

const COLOURS: Readonly<Record<string, string>> = {
  'succeeded map': '#4a7fd6',
  'succeeded reduce': '#3aa35b',
  failed: '#d64545',
  killed: '#a0a0a0',
  running: '#f0ad4e',
};
const colour = (b: Bar): string => COLOURS[`${b.status} ${b.type}`] ?? COLOURS[b.status] ?? '#888';

/** Tick spacings the axis may use (ms). */
const STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14_400, 43_200, 86_400].map((s) => s * 1000);

const NOT_STARTED = '(never started)';

function bars(attempts: readonly AttemptRecord[], running: readonly RunningAttempt[], now: number): Bar[] {
  const ended = attempts.map((a): Bar => {
    const start = a.start ?? a.launched;
    const what = [`${a.attemptId} (${a.type}${a.speculative ? ', speculative' : ''}) on ${a.machine || 'no machine'}: ${a.status}`, `${when(start)} – ${when(a.end)} (${duration(a.end - start)})`];
    if (a.split) what.push(`split ${a.split}`);
    if (a.error) what.push(a.error);
    return { id: a.attemptId, machine: a.start === undefined || !a.machine ? NOT_STARTED : a.machine, type: a.type, status: a.status, start, end: a.end, title: what.join('\n') };
  });
  const live = running.map((r): Bar => ({ id: r.attemptId, machine: r.host, type: r.type, status: 'running', start: r.start, end: now, title: `${r.attemptId} (${r.type}) on ${r.host}: running since ${when(r.start)}` }));
  return [...ended, ...live];
}

/** Each machine's attempts in slot lanes: an attempt goes to the first lane free when it starts. */
function lanes(all: readonly Bar[]): { label: string; bars: Bar[] }[] {
  const machines = [...new Set(all.map((b) => b.machine))].sort((a, b) => (a === NOT_STARTED ? 1 : b === NOT_STARTED ? -1 : a < b ? -1 : a > b ? 1 : 0));
  const out: { label: string; bars: Bar[] }[] = [];
  for (const m of machines) {
    const mine: { end: number; bars: Bar[] }[] = [];
    for (const b of all.filter((x) => x.machine === m).sort((x, y) => x.start - y.start || x.end - y.end)) {
      let lane = mine.find((l) => l.end <= b.start);
      if (!lane) mine.push((lane = { end: -Infinity, bars: [] }));
      lane.bars.push(b);
      lane.end = b.end;
    }
    mine.forEach((l, i) => out.push({ label: `${m} #${i + 1}`, bars: l.bars }));
  }
  return out;
}

/**
 * The job's task attempts as a picture (like Hadoop's job timeline): one row per machine slot lane, a
 * bar per attempt from its start to its end, coloured by status and type, with a time axis from the
 * job's first attempt. Every text in it is escaped.
 */
export function timelineSvg(attempts: readonly AttemptRecord[], running: readonly RunningAttempt[], now: number): Html {
  const all = bars(attempts, running, now);
  if (all.length === 0) return trusted('<p>No task attempts yet.</p>');
  const rows = lanes(all);
  const t0 = Math.min(...all.map((b) => b.start));
  const span = Math.max(1000, Math.max(...all.map((b) => b.end)) - t0);
  const left = 130;
  const width = 960;
  const plot = width - left - 20;
  const rowH = 18;
  const top = 10;
  const axisY = top + rows.length * rowH + 4;
  const height = axisY + 50;
  const x = (t: number): number => left + ((t - t0) / span) * plot;
  const parts: string[] = [];
  rows.forEach((row, i) => {
    const y = top + i * rowH;
    if (i % 2 === 0) parts.push(`<rect x="${left}" y="${y}" width="${plot}" height="${rowH}" fill="#f4f6f8"/>`);
    parts.push(`<text x="${left - 6}" y="${y + rowH - 5}" text-anchor="end" font-size="11">${esc(row.label)}</text>`);
    for (const b of row.bars) {
      const w = Math.max(2, x(b.end) - x(b.start));
      parts.push(
        `<rect class="attempt ${b.status} ${b.type}" data-attempt="${esc(b.id)}" data-lane="${esc(row.label)}" x="${x(b.start).toFixed(1)}" y="${y + 2}" width="${w.toFixed(1)}" height="${rowH - 4}" fill="${colour(b)}" stroke="#333" stroke-width="0.5"><title>${esc(b.title)}</title></rect>`,
      );
    }
  });
  const step = STEPS.find((s) => s >= span / 8) ?? STEPS[STEPS.length - 1]!;
  parts.push(`<line x1="${left}" y1="${axisY}" x2="${left + plot}" y2="${axisY}" stroke="#333"/>`);
  for (let t = 0; t <= span; t += step) {
    const tx = x(t0 + t).toFixed(1);
    parts.push(`<line x1="${tx}" y1="${axisY}" x2="${tx}" y2="${axisY + 5}" stroke="#333"/><text class="tick" x="${tx}" y="${axisY + 17}" text-anchor="middle" font-size="10">+${esc(duration(t))}</text>`);
  }
  parts.push(`<text x="${left}" y="${axisY + 32}" font-size="10">time since the first attempt started (${esc(when(t0))})</text>`);
  const legend = [['succeeded map', 'map'], ['succeeded reduce', 'reduce'], ['failed', 'failed'], ['killed', 'killed'], ['running', 'running']] as const;
  legend.forEach(([k, label], i) => {
    const lx = width - 10 - (legend.length - i) * 80;
    parts.push(`<rect x="${lx}" y="${axisY + 24}" width="12" height="10" fill="${COLOURS[k]}"/><text x="${lx + 16}" y="${axisY + 33}" font-size="10">${label}</text>`);
  });
  return trusted(`<svg class="timeline" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="task attempts per machine over time">${parts.join('')}</svg>`);
}
