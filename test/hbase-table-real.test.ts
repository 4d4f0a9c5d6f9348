/**
 * A bigger HBase table against the real HBase `npm test` starts: 8 regions, 200,000 rows. Its splits
 * are its regions; a word count over one column and a full build from the table (mixed with an ha3
 * file) equal what the same data gives from files.
 */
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { hbaseInput } from '../framework/input/hbase/format.ts';
import { runJob } from '../framework/runner/driver.ts';
import { LocalRunner } from '../framework/runner/local.ts';
import { outputLines, tempDir } from './helpers/cli.ts';
import { fullBuild, segmentDigest } from './helpers/full-build.ts';
import { hbaseAdmin, restJson, testHbase, type RestRegions } from './helpers/hbase.ts';

const ROWS = fileURLToPath(new URL('./fixtures/jobs/hbase-rows.ts', import.meta.url));
const hb = testHbase();
const serial = hb ? test.serial : test.serial.skip;

const N = 200_000;
const REGIONS = 8;
const id = (i: number): string => String(i).padStart(7, '0');

/** Seeded words, Zipf-like: the same rows every run. */
function rowsOf(): { title: string; hits: number }[] {
  let x = 11;
  const next = (): number => (x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const vocab = Array.from({ length: 3000 }, (_, i) => `w${i.toString(36)}`);
  return Array.from({ length: N }, (_, i) => ({ title: Array.from({ length: 4 }, () => vocab[Math.floor(next() ** 2 * vocab.length)]).join(' '), hits: i % 997 }));
}

const SCHEMA = {
  columns: [
    { name: 'id', type: 'STRING' },
    { name: 'hits', type: 'UINT32' },
    { name: 'title', type: 'TEXT', analyzer: 'simple_analyzer' },
  ],
  indexes: [
    { name: 'id', index_type: 'PRIMARY_KEY64', index_config: { index_fields: [{ field_name: 'id' }] } },
    { name: 'hits', index_type: 'ATTRIBUTE', index_config: { index_fields: [{ field_name: 'hits' }] } },
    { name: 'title', index_type: 'TEXT', index_config: { index_fields: [{ field_name: 'title' }] } },
    { name: 'summary', index_type: 'SUMMARY', index_config: { index_fields: [{ field_name: 'id' }, { field_name: 'hits' }, { field_name: 'title' }] } },
  ],
};

const ha3 = (docs: readonly (readonly [string, string, number])[]): string => docs.map(([i, title, hits]) => `CMD=add\x1f\nid=${i}\x1f\nhits=${hits}\x1f\ntitle=${title}\x1f\n\x1e\n`).join('');

serial('8 regions, 200,000 rows: one split per region with its keys and server; a word count over a column and a full build mixing the table with an ha3 file equal the same data from files', async (t) => {
  const dir = tempDir('hbase-big');
  const table = `bsctl_big_${process.pid}`;
  const cuts = Array.from({ length: REGIONS - 1 }, (_, i) => id(((i + 1) * N) / REGIONS));
  hbaseAdmin('create', table, '--families', 'cf', '--splits', cuts.join(','));
  try {
    const rows = rowsOf();
    const tsv = path.join(dir, 'rows.tsv');
    fs.writeFileSync(tsv, rows.map((r, i) => `${id(i)}\tcf:title\t${r.title}\n${id(i)}\tcf:hits\t${r.hits}\n`).join(''));
    hbaseAdmin('load', table, tsv);

    // Splits: the regions, in key order, with their boundaries and their region server.
    const splits = await hbaseInput().getSplits([`hbase://${table}`], {});
    const bounds = ['', ...cuts, ''];
    t.deepEqual(
      splits.map((s) => [Buffer.from(s.region!.startRow, 'base64').toString(), Buffer.from(s.region!.endRow, 'base64').toString()]),
      bounds.slice(0, -1).map((b, i) => [b, bounds[i + 1]!]),
    );
    const servers = (await restJson<RestRegions>(hb!.rest, `/${table}/regions`)).Region.map((r) => r.location.split(':')[0]!);
    t.deepEqual(splits.map((s) => s.hosts), servers.map((h) => [h]));
    t.true(splits.every((s) => s.length > 0), 'each split has the region size');

    // Word count over cf:title, on two local workers, against counting the rows here.
    const want = new Map<string, number>();
    for (const r of rows) for (const w of r.title.split(' ')) want.set(w, (want.get(w) ?? 0) + 1);
    const runner = new LocalRunner(2);
    let report;
    try {
      report = await runJob({ jobModule: ROWS, jobExport: 'words', input: [`hbase://${table}`], output: path.join(dir, 'words'), runner, log: () => {} });
    } finally {
      await runner.close();
    }
    t.is(report.maps, REGIONS);
    t.is(report.counters['Map-Reduce Framework']?.['Map input records'], N);
    const got = outputLines(path.join(dir, 'words')).trim().split('\n').map((l) => l.split('\t'));
    t.deepEqual(got.map(([w, n]) => [w, Number(n)]).sort(), [...want].sort());

    // Full build: the table, then an ha3 file that re-adds 100 of its rows (new titles) and adds 100 more,
    // against the same documents as two ha3 files.
    const schema = path.join(dir, 'schema.json');
    fs.writeFileSync(schema, JSON.stringify(SCHEMA));
    const extra = path.join(dir, 'extra.ha3');
    fs.writeFileSync(extra, ha3([...Array.from({ length: 100 }, (_, k) => [id(1000 + k * 7), `updated ${k}`, k] as const), ...Array.from({ length: 100 }, (_, k) => [id(N + k), `new ${k}`, k] as const)]));
    const all = path.join(dir, 'all.ha3');
    fs.writeFileSync(all, ha3(rows.map((r, i) => [id(i), r.title, r.hits] as const)));
    const fromTable = await fullBuild({ table: 'big', schema, data: [`hbase://${table}`, extra], partitions: 2, indexRoot: path.join(dir, 'a') }, { runner: 'local', workers: 2 });
    const fromFiles = await fullBuild({ table: 'big', schema, data: [all, extra], partitions: 2, indexRoot: path.join(dir, 'b') }, { runner: 'local', workers: 2 });
    t.is(fromTable.counters['full-build']?.['Documents indexed'], N + 100);
    t.is(fromTable.maps, REGIONS + 1, 'one map per region and one for the file');
    t.deepEqual(segmentDigest(fromTable.generationDir), segmentDigest(fromFiles.generationDir));
  } finally {
    hbaseAdmin('drop', table);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
