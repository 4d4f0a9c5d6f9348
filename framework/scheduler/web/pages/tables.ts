import { html, jobLink, table, when, type Html } from '../html.ts';
import type { OnDisk, TableBuilds } from '../table-builds.ts';

function disk(d: OnDisk): [Html | string, Html | string] {
  if (d.kind === 'remote') return ['not checked (not a local path)', ''];
  if (d.kind === 'error') return [html`<span class="state-failed">${d.message}</span>`, ''];
  const ready = d.ready !== undefined ? html`<span class="state-succeeded">READY</span> generation ${d.ready}` : html`<span class="state-failed">NOT_READY</span>`;
  return [html`${ready}${d.problem ? html` (${d.problem})` : ''}`, d.generations.join(', ') || 'none'];
}

/** `/ui/tables`: each table history's full builds wrote, its last build, and what is READY on disk. */
export function tablesBody(list: readonly TableBuilds[]): Html {
  const rows = list.map((t) => {
    const [ready, gens] = disk(t.onDisk);
    const last = t.lastBuild;
    return [
      t.table,
      t.indexRoot,
      ready,
      gens,
      t.lastPublished ? html`generation ${t.lastPublished.generation ?? ''} by ${jobLink(t.lastPublished.jobId)}, ${when(t.lastPublished.finishTime)}` : 'none',
      html`${jobLink(last.jobId)} <span class="state-${last.status}">${last.status}</span> ${when(last.startTime)}`,
      t.builds,
      t.failedBuilds,
    ];
  });
  return html`<p>Tables the full builds in history wrote; READY is the newest generation on disk whose partitions all have a published version and cover every hash id (what <code>bsctl status</code> serves).</p>
${table('tables', ['Table', 'Index root', 'On disk', 'Generations on disk', 'Last published (history)', 'Last build', 'Builds', 'Failed builds'], rows)}`;
}
