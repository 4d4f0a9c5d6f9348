import { html, trusted, type Html } from './html.ts';

const CSS = `
body{font-family:system-ui,sans-serif;margin:0;color:#222}
header{background:#234;color:#fff;padding:.5em 1.5em;display:flex;gap:1.5em;align-items:baseline}
header a{color:#cde;text-decoration:none}header a.here{color:#fff;font-weight:bold}
header button{margin-left:auto}
main{padding:0 1.5em 2em}
table{border-collapse:collapse;margin-bottom:1.5em}
th,td{border:1px solid #ccc;padding:2px 8px;text-align:left;vertical-align:top}
th{background:#eee}td.n{text-align:right}td.t{white-space:nowrap}
.cause{border:2px solid #c33;background:#fee;padding:.6em 1em;margin:1em 0;font-size:1.1em}
.error{white-space:pre-wrap;background:#f6f6f6;padding:.5em;border:1px solid #ddd;font-size:.9em}
pre.log{background:#f6f6f6;padding:.5em;border:1px solid #ddd;max-height:20em;overflow:auto;font-size:.85em}
.state-succeeded{color:#286b36;font-weight:bold}.state-failed{color:#b22;font-weight:bold}.state-running{color:#a60;font-weight:bold}
button{cursor:pointer;white-space:nowrap}.nw{white-space:nowrap}
#message{color:#b22}
form.filters{margin:1em 0;display:flex;gap:1em;align-items:center}
svg.timeline{border:1px solid #ccc;background:#fff}
`;

/** What a page's small script does: POST the buttons' actions with the session's CSRF token; refresh. */
const SCRIPT = `
const csrf = document.querySelector('meta[name="bsctl-csrf"]').content;
for (const b of document.querySelectorAll('button[data-action]')) {
  b.addEventListener('click', async () => {
    if (b.dataset.confirm && !confirm(b.dataset.confirm)) return;
    const msg = document.getElementById('message');
    b.disabled = true;
    try {
      const r = await fetch(b.dataset.action, { method: 'POST', headers: { 'content-type': 'application/json', 'x-bsctl-csrf': csrf }, body: '{}', credentials: 'same-origin' });
      const body = await r.json().catch(() => ({}));
      if (!r.ok) throw new Error(body.error || r.statusText);
      msg.textContent = body.message || 'done';
      setTimeout(() => location.reload(), 500);
    } catch (e) {
      msg.textContent = 'failed: ' + e.message;
      b.disabled = false;
    }
  });
}
const refresh = Number(document.body.dataset.refresh || 0);
// data-refresh="0" (set by hand, or by a test reading the page) stops it.
if (refresh > 0) setTimeout(function again() {
  if (document.body.dataset.refresh === '0') return;
  if (document.hidden) return setTimeout(again, refresh * 1000);
  location.reload();
}, refresh * 1000);
`;

export interface PageOptions {
  readonly title: string;
  /** Which item of the navigation this page is. */
  readonly nav?: 'overview' | 'history' | 'schedules' | 'tables';
  /** The session's CSRF token (the page's buttons send it); absent for the 401 page. */
  readonly csrf?: string;
  /** The script's nonce (the Content-Security-Policy allows only it). */
  readonly nonce: string;
  /** Reload every this many seconds while the page is visible. */
  readonly refreshSeconds?: number;
  readonly body: Html;
}

const NAV = [
  ['overview', '/ui', 'Scheduler'],
  ['history', '/ui/history', 'History'],
  ['schedules', '/ui/schedules', 'Schedules'],
  ['tables', '/ui/tables', 'Tables'],
] as const;

/** A whole page: the navigation, the body, the small script. */
export function page(o: PageOptions): string {
  const nav = o.csrf === undefined ? '' : NAV.map(([key, href, label]) => html`<a href="${href}"${o.nav === key ? html` class="here"` : ''}>${label}</a>`);
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${o.title} — bsctl</title>
<meta name="bsctl-csrf" content="${o.csrf ?? ''}">
<style nonce="${o.nonce}">${trusted(CSS)}</style>
</head><body data-refresh="${o.refreshSeconds ?? 0}">
<header><strong>bsctl</strong>${nav}${o.csrf ? html`<button data-action="/ui/logout">Log out</button>` : ''}</header>
<main>
<h1>${o.title}</h1>
<p id="message" role="status"></p>
${o.body}
</main>
<script nonce="${o.nonce}">${o.csrf === undefined ? '' : trusted(SCRIPT)}</script>
</body></html>
`.text;
}
