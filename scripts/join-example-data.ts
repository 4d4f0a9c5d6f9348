/**
 * Data for jobs/join-calls.ts: `node --import tsx scripts/join-example-data.ts DIR [--calls N]` writes
 * DIR/calls.tsv (N call records, default 100,000) and DIR/subs.tsv (the `plus` tariff's subscribers:
 * 5% of the ids), seeded, so every run gives the same files.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { writeCalls, writeSubscriberFraction } from './bench/join-data.ts';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { calls: { type: 'string', default: '100000' } } });
const dir = positionals[0];
const records = Number(values.calls);
if (!dir || !Number.isInteger(records) || records < 1) {
  process.stderr.write('usage: node --import tsx scripts/join-example-data.ts DIR [--calls N]\n');
  process.exit(2);
}
fs.mkdirSync(dir, { recursive: true });
const subscribers = Math.ceil(records * 1.25);
const calls = writeCalls(path.join(dir, 'calls.tsv'), { records, subscribers });
const subs = writeSubscriberFraction(path.join(dir, 'subs.tsv'), { subscribers, fraction: 0.05, tariff: 'plus' });
process.stdout.write(`${path.join(dir, 'calls.tsv')}: ${calls.records} calls; ${path.join(dir, 'subs.tsv')}: ${subs.rows} subscribers of tariff plus\n`);
