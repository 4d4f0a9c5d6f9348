/**
 * `npm run bench:tasks [-- --mb 5 --split 1k --files 150000]`: what a task costs. (1) word-count over a
 * 5 MB text in 1 KiB splits (5,120 map tasks) on the local runner: wall and ms per task; (2) word-count
 * over 150,000 small files, combined into splits. Each result is checked against the generator's
 * counts. Prints the load average at the start and the peak RSS of the largest process.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { JobReport } from '../../framework/runner/driver.ts';
import { mib, machineLine, timed } from './measure.ts';

const { values } = parseArgs({
  options: {
    mb: { type: 'string', default: '5' },
    split: { type: 'string', default: '1k' },
    files: { type: 'string', default: '150000' },
    keep: { type: 'boolean', default: false },
  },
});
const BSCTL = fileURLToPath(new URL('../../bin/bsctl.js', import.meta.url));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bsctl-bench-tasks-'));
const WORDS = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta'];

/** Lines of words, about `bytes` long; returns the expected count per word. */
function text(bytes: number, seed: number): { body: string; counts: Map<string, number> } {
  const counts = new Map<string, number>();
  const lines: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const words = Array.from({ length: 6 }, (_, j) => WORDS[(i * 5 + j * 3 + seed) % WORDS.length]!);
    for (const w of words) counts.set(w, (counts.get(w) ?? 0) + 1);
    const line = words.join(' ');
    lines.push(line);
    size += line.length + 1;
  }
  return { body: `${lines.join('\n')}\n`, counts };
}

function readCounts(out: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const f of fs.readdirSync(out).filter((n) => n.startsWith('part-'))) {
    for (const line of fs.readFileSync(path.join(out, f), 'utf8').split('\n')) {
      const tab = line.indexOf('\t');
      if (tab > 0) m.set(line.slice(0, tab), Number(line.slice(tab + 1)));
    }
  }
  return m;
}

const same = (a: Map<string, number>, b: Map<string, number>): boolean => a.size === b.size && [...a].every(([k, v]) => b.get(k) === v);

async function wordCount(label: string, input: string, expected: Map<string, number>, extra: string[]): Promise<{ seconds: number; report: JobReport }> {
  const out = path.join(dir, `out-${label}`);
  const reportFile = path.join(dir, `report-${label}.json`);
  const r = await timed(process.execPath, [BSCTL, 'run', 'word-count', '--input', input, '--output', out, '--runner', 'local', '--no-speculative', '--report-json', reportFile, ...extra]);
  if (r.code !== 0) throw new Error(`${label}: bsctl failed:\n${r.stderr}`);
  const report = JSON.parse(fs.readFileSync(reportFile, 'utf8')) as JobReport;
  if (!same(readCounts(out), expected)) throw new Error(`${label}: counts differ from the generator's`);
  return { seconds: r.seconds, report };
}

async function main(): Promise<void> {
  console.log(machineLine());
  const bytes = Number(values.mb) * 1024 * 1024;
  const big = text(bytes, 0);
  const file = path.join(dir, 'text.txt');
  fs.writeFileSync(file, big.body);
  const a = await wordCount('splits', file, big.counts, ['--split-size', values.split!]);
  const maps = a.report.maps;
  console.log(`${mib(bytes)} in ${values.split} splits: ${maps} map tasks in ${a.seconds.toFixed(2)} s = ${((a.seconds * 1000) / maps).toFixed(2)} ms a task (wall / tasks, 2 workers); largest task ${mib(a.report.maxTaskRss)}, driver ${mib(a.report.driverRss)}`);

  const n = Number(values.files);
  if (n === 0) return;
  const filesDir = path.join(dir, 'files');
  fs.mkdirSync(filesDir);
  const counts = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const t = text(20, i);
    for (const [w, c] of t.counts) counts.set(w, (counts.get(w) ?? 0) + c);
    fs.writeFileSync(path.join(filesDir, `f${String(i).padStart(6, '0')}.txt`), t.body);
  }
  const b = await wordCount('files', filesDir, counts, []);
  console.log(`${n} small files: ${b.report.maps} combined map task(s) in ${b.seconds.toFixed(2)} s (${Math.round(n / b.seconds)} files/s); largest task ${mib(b.report.maxTaskRss)}, driver ${mib(b.report.driverRss)}`);
  if (!values.keep) fs.rmSync(dir, { recursive: true, force: true });
}

await main();
