/**
 * HTML built with one rule: every interpolated value is escaped, unless it is already `Html` (made by
 * this `html` tag or by `trusted`). Pages are composed of `Html` pieces, so nothing reaches the
 * browser unescaped by accident.
 */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

/** A value a page may interpolate: text (escaped), numbers, markup, nothing, or lists of those. */
export type Part = Html | string | number | boolean | undefined | null | readonly Part[];

export const esc = (s: unknown): string => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function render(p: Part): string {
  if (p === undefined || p === null || p === false) return '';
  if (p instanceof Html) return p.text;
  if (Array.isArray(p)) return p.map(render).join('');
  return esc(p);
}

/** `html\`<td>${name}</td>\``: markup with every value escaped. */
export function html(strings: TemplateStringsArray, ...values: readonly Part[]): Html {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]!) + strings[i + 1]!;
  return new Html(out);
}

/** Markup the UI wrote itself: its constant CSS and script, the SVG timeline (built with `esc`). */
export const trusted = (text: string): Html => new Html(text);

const NUMBER = /^(-?[\d.]+(\s?(%|ms|s|B|KiB|MiB|GiB|TiB))?|∞|\d+\/\d+)$/;
const TIME = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/;

/** A cell: numbers right-aligned, times kept on one line. */
function cell(c: Part): Html {
  const cls = typeof c === 'number' || (typeof c === 'string' && NUMBER.test(c)) ? 'n' : typeof c === 'string' && TIME.test(c) ? 't' : undefined;
  return cls ? html`<td class="${cls}">${c}</td>` : html`<td>${c}</td>`;
}

/** A table with an id (tests and styles find it); an empty one says "none". */
export function table(id: string, headers: readonly string[], rows: readonly (readonly Part[])[]): Html {
  const body = rows.length ? rows.map((r) => html`<tr>${r.map(cell)}</tr>\n`) : html`<tr><td colspan="${headers.length}">none</td></tr>`;
  return html`<table id="${id}"><thead><tr>${headers.map((h) => html`<th>${h}</th>`)}</tr></thead><tbody>\n${body}</tbody></table>`;
}

/** Numbers as the pages show them: integers as they are, fractions to one decimal, "unlimited" as ∞. */
export const num = (n: number): string => (n >= Number.MAX_SAFE_INTEGER ? '∞' : Number.isInteger(n) ? String(n) : n.toFixed(1));
export const pct = (f: number): string => `${(f * 100).toFixed(1)}%`;
/** A time as `2024-05-01 12:00:00Z` (UTC), or "-". */
export const when = (t: number | undefined): string => (t ? new Date(t).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '-');

export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s % 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) (n /= 1024), i++;
  return i === 0 ? `${n} B` : `${n.toFixed(1)} ${units[i]}`;
}

/** A progress bar with its percentage. */
export const progress = (fraction: number): Html => html`<progress max="1" value="${fraction.toFixed(4)}"></progress> ${pct(fraction)}`;

/** A link inside the UI (the path's parts are escaped, ids URI-encoded). */
export const jobLink = (id: string): Html => html`<a href="/ui/jobs/${encodeURIComponent(id)}">${id}</a>`;
