/**
 * `npm run bench:hbase [-- --rows 1000000 --regions 8 --keep]`: a private standalone HBase
 * (scripts/hbase, ports from 46000), a table pre-split into `--regions` regions holding `--rows` in1
 * documents (the full-build benchmark's generator; one `cf:<field>` cell per field, row keys spread over
 * the regions), loaded with HBase's Java client. Then, in one invocation, on the same table:
 * - bsctl counting the rows (scripts/bench/hbase-rowcount.ts: one column read, local runner) and HBase's
 *   own RowCounter (hbase-mapreduce 2.6.1, Hadoop's local job runner, 2 map slots like bsctl's 2 workers;
 *   it reads each row's first cell only, over HBase's RPC where bsctl goes through the REST gateway);
 * - the full build of the table into 4 partitions (`--data hbase://<table>`).
 * Printed: walls, rows/s, MB/s (of the regions' bytes), peak RSS of each process tree, and the ratios.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { JobReport } from '../../framework/runner/driver.ts';
import { HBaseRest } from '../../framework/input/hbase/rest.ts';
import { writeHa3Docs } from './ha3-docs.ts';
import { resolveJars, tail } from './maven.ts';
import { machineLine, mib, timed } from './measure.ts';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '1000000' }, regions: { type: 'string', default: '8' }, keep: { type: 'boolean', default: false } } });
const ROWS = Number(values.rows);
const REGIONS = Number(values.regions);
const BSCTL = fileURLToPath(new URL('../../bin/bsctl.js', import.meta.url));
const HBASE = fileURLToPath(new URL('../hbase', import.meta.url));
const COUNT_JOB = fileURLToPath(new URL('./hbase-rowcount.ts', import.meta.url));
const IN1_SCHEMA = fileURLToPath(new URL('../../fixtures/in1/schema.json', import.meta.url));
const MR_POM = fileURLToPath(new URL('../hbase-java/mapreduce-pom.xml', import.meta.url));
const MR_LIB = path.join(process.env.BSCTL_HBASE_CACHE ?? path.join(os.homedir(), '.cache', 'bsctl', 'hbase-2.6.1'), 'mapreduce-lib');
const TABLE = 'bsctl_bench';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bsctl-bench-hbase-'));
// A 3 GiB heap (the tests' 512 MiB holds 1M rows' memstores badly) and the full JIT (the tests' C1 only starts faster).
const hbaseEnv = { ...process.env, BSCTL_HBASE_DIR: path.join(dir, 'hbase'), BSCTL_HBASE_PORT_BASE: '26000', BSCTL_HBASE_HEAP: '3g', BSCTL_HBASE_JAVA_OPTS: '-XX:TieredStopAtLevel=4' };

/** A row key spread evenly over 8-hex-digit keys (a bijection of the 32-bit id), as `--regions` splits. */
const rowKey = (id: number): string => (Math.imul(id, 0x9e3779b1) >>> 0).toString(16).padStart(8, '0');

/** The generated ha3 documents as TSV cells (`rowkey\tcf:<field>\tvalue`) for `scripts/hbase admin load`. */
function ha3ToTsv(ha3: string, tsv: string): void {
  const out = fs.openSync(tsv, 'w');
  const fd = fs.openSync(ha3, 'r');
  const buf = Buffer.alloc(8 << 20);
  let rest = '';
  for (let n; (n = fs.readSync(fd, buf)) > 0; ) {
    const docs = (rest + buf.toString('utf8', 0, n)).split('\x1E\n');
    rest = docs.pop()!;
    let chunk = '';
    for (const doc of docs) {
      const fields = doc.split('\x1F\n').filter(Boolean).map((f) => [f.slice(0, f.indexOf('=')), f.slice(f.indexOf('=') + 1)] as const);
      const key = rowKey(Number(fields.find(([k]) => k === 'id')![1]));
      for (const [k, v] of fields) if (k !== 'CMD') chunk += `${key}\tcf:${k}\t${v}\n`;
    }
    fs.writeSync(out, chunk);
  }
  fs.closeSync(fd);
  fs.closeSync(out);
}

async function script(...args: string[]): Promise<string> {
  const r = await timed(HBASE, args, hbaseEnv);
  if (r.code !== 0) throw new Error(`scripts/hbase ${args.join(' ')} failed (${r.code}):\n${tail(r.stderr)}`);
  return r.stdout + r.stderr;
}

async function main(): Promise<void> {
  console.log(machineLine());
  console.log(`HBase 2.6.1 standalone (scripts/hbase) on 127.0.0.1, heap ${hbaseEnv.BSCTL_HBASE_HEAP} per JVM, full JIT; state in ${hbaseEnv.BSCTL_HBASE_DIR}`);
  try {
    await script('start');
    for (const m of (await script('env')).matchAll(/export (\w+)=(\S+)/g)) process.env[m[1]!] = m[2]!;
    const ha3 = path.join(dir, 'docs.ha3');
    const tsv = path.join(dir, 'rows.tsv');
    process.stdout.write(`generating ${ROWS} in1 documents as rows ... `);
    writeHa3Docs(ha3, ROWS);
    ha3ToTsv(ha3, tsv);
    fs.rmSync(ha3);
    console.log(mib(fs.statSync(tsv).size));
    await script('admin', 'create', TABLE, '--families', 'cf', '--regions', String(REGIONS));
    const load = await timed(HBASE, ['admin', 'load', TABLE, tsv], hbaseEnv);
    if (load.code !== 0) throw new Error(`load failed: ${tail(load.stderr)}`);
    console.log(`  loaded with HBase's Java client (batched puts): ${load.seconds.toFixed(1)} s, ${load.stdout.trim()}`);
    fs.rmSync(tsv);
    const rest = new HBaseRest(process.env.BSCTL_HBASE_REST!);
    const sizes = await rest.regionSizes(TABLE);
    const bytes = [...sizes.values()].reduce((a, b) => a + b, 0);
    console.log(`  table ${TABLE}: ${(await rest.regions(TABLE)).length} regions, ${mib(bytes)} (store files + memstores, as the cluster status reports them)`);

    const report = (file: string): JobReport => JSON.parse(fs.readFileSync(file, 'utf8')) as JobReport;
    const rate = (seconds: number): string => `${Math.round(ROWS / seconds)} rows/s, ${(bytes / 1024 / 1024 / seconds).toFixed(1)} MB/s`;

    const countReport = path.join(dir, 'count.json');
    const ours = await timed(process.execPath, [BSCTL, 'run', COUNT_JOB, '--input', `hbase://${TABLE}`, '--output', path.join(dir, 'count-out'), '--report-json', countReport]);
    if (ours.code !== 0) throw new Error(`bsctl row count failed:\n${tail(ours.stderr)}`);
    const counted = report(countReport).counters.hbase?.Rows;
    if (counted !== ROWS) throw new Error(`bsctl counted ${counted} rows, expected ${ROWS}`);
    console.log(`  bsctl row count (REST gateway, ${report(countReport).maps} maps, local runner): ${ours.seconds.toFixed(2)} s, ${rate(ours.seconds)}; peak RSS of its processes ${mib(ours.treeRss)}`);

    const lib = await resolveJars({ pom: MR_POM, lib: MR_LIB, expect: 'hbase-mapreduce-2.6.1.jar', what: 'hbase-mapreduce 2.6.1 and Hadoop 2.10.2 mapreduce-client-common', why: 'npm run bench:hbase' });
    const conf = path.join(hbaseEnv.BSCTL_HBASE_DIR, 'conf');
    const rc = await timed('java', ['-Xmx1g', '-cp', `${conf}:${lib}/*`, 'org.apache.hadoop.hbase.mapreduce.RowCounter',
      '-Dmapreduce.framework.name=local', '-Dmapreduce.local.map.tasks.maximum=2', `-Dhadoop.tmp.dir=${path.join(dir, 'hadoop-tmp')}`, TABLE], hbaseEnv);
    // The job's counters come last (each map's are logged before them).
    const rows = [...(rc.stderr + rc.stdout).matchAll(/\bROWS=(\d+)/g)].at(-1)?.[1];
    if (rc.code !== 0 || Number(rows) !== ROWS) throw new Error(`RowCounter failed or counted ${rows} rows (exit ${rc.code}):\n${tail(rc.stderr)}`);
    console.log(`  HBase RowCounter (hbase-mapreduce 2.6.1, local job runner, 2 map slots, RPC): ${rc.seconds.toFixed(2)} s, ${rate(rc.seconds)}; peak RSS ${mib(rc.treeRss)}`);
    console.log(`  row count bsctl/RowCounter wall: ${(ours.seconds / rc.seconds).toFixed(2)}x`);

    const fbReport = path.join(dir, 'fb.json');
    const fb = await timed(process.execPath, [BSCTL, 'run', 'full-build', '--table', 'bench', '--schema', IN1_SCHEMA, '--data', `hbase://${TABLE}`, '--partitions', '4', '--index-root', path.join(dir, 'index'), '--report-json', fbReport]);
    if (fb.code !== 0) throw new Error(`full build failed:\n${tail(fb.stderr)}`);
    const indexed = report(fbReport).counters['full-build']?.['Documents indexed'];
    if (indexed !== ROWS) throw new Error(`full build indexed ${indexed} documents, expected ${ROWS}`);
    console.log(`  bsctl full build from the table (${report(fbReport).maps} maps -> 4 partitions): ${fb.seconds.toFixed(2)} s, ${rate(fb.seconds)}; peak RSS largest process ${mib(report(fbReport).maxTaskRss)}, all ${mib(fb.treeRss)}`);
    console.log(`  full build / RowCounter wall: ${(fb.seconds / rc.seconds).toFixed(2)}x (RowCounter only counts)`);
  } finally {
    if (values.keep) console.log(`kept: ${dir} (HBase still running: BSCTL_HBASE_DIR=${hbaseEnv.BSCTL_HBASE_DIR} BSCTL_HBASE_PORT_BASE=26000 scripts/hbase stop)`);
    else {
      await script('stop').catch((e: unknown) => console.error(String(e)));
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
}

await main();
