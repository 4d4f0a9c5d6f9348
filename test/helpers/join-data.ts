/**
 * Join tests' data and oracle: seeded TSV files of `key\tpayload` records (the job's input and a
 * side), an in-memory join of them by kind (computed independently of the engine), and the job
 * output (test/fixtures/jobs/join-kinds.ts, JSON lines) read back as the same canonical lines.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { JoinKind } from '../../framework/job/join.ts';

/** One TSV record as the oracle sees it: its file, byte offset and columns. */
export interface Rec {
  readonly file: string;
  readonly offset: number;
  readonly cols: readonly string[];
}

/** A small seeded PRNG (mulberry32, shared with the benchmarks), so every run generates the same data. */
export { prng as seeded } from '../../scripts/bench/zipf-text.ts';

/** Write `lines` (each a list of columns) as a TSV file; returns its records with byte offsets. */
export function writeTsv(file: string, rows: readonly (readonly string[])[]): Rec[] {
  const recs: Rec[] = [];
  let offset = 0;
  const parts: string[] = [];
  for (const cols of rows) {
    const line = `${cols.join('\t')}\n`;
    recs.push({ file, offset, cols });
    parts.push(line);
    offset += Buffer.byteLength(line);
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, parts.join(''));
  return recs;
}

export const keyName = (i: number): string => `k${String(i).padStart(4, '0')}`;

/**
 * `count` rows `key\t<prefix><n>`, keys drawn from `keys` (indexes into keyName) by `rand`; with
 * `perKey`, each key of `keys` instead appears 1..perKey times (duplicates).
 */
export function rows(prefix: string, keys: readonly number[], rand: () => number, opts: { count?: number; perKey?: number }): string[][] {
  const out: string[][] = [];
  if (opts.perKey !== undefined) {
    for (const k of keys) {
      const n = 1 + Math.floor(rand() * opts.perKey);
      for (let j = 0; j < n; j++) out.push([keyName(k), `${prefix}${out.length}`]);
    }
    // Shuffle, so equal keys are not adjacent in the file.
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  }
  for (let i = 0; i < (opts.count ?? 0); i++) out.push([keyName(keys[Math.floor(rand() * keys.length)]!), `${prefix}${i}`]);
  return out;
}

export const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

const keyOf = (r: Rec): string | undefined => (r.cols[0] ? r.cols[0] : undefined);
const show = (cols: readonly string[]): string => cols.join(',');

/**
 * What a join of `job` with `side` must give, as sorted canonical lines: inner and left
 * `key\tjobcols\tsidecols` (`-` for a left record without a match); semi and anti the job's record
 * unchanged, `offset\tcols`. Records without a key are left out (bad records).
 */
export function oracle(kind: JoinKind, job: readonly Rec[], side: readonly Rec[]): string[] {
  const bySide = new Map<string, Rec[]>();
  for (const r of side) {
    const k = keyOf(r);
    if (k !== undefined) (bySide.get(k) ?? bySide.set(k, []).get(k)!).push(r);
  }
  const out: string[] = [];
  for (const l of job) {
    const k = keyOf(l);
    if (k === undefined) continue;
    const matches = bySide.get(k) ?? [];
    if (kind === 'semi' || kind === 'anti') {
      if ((matches.length > 0) === (kind === 'semi')) out.push(`${l.offset}\t${show(l.cols)}`);
    } else if (matches.length === 0) {
      if (kind === 'left') out.push(`${k}\t${show(l.cols)}\t-`);
    } else {
      for (const r of matches) out.push(`${k}\t${show(l.cols)}\t${show(r.cols)}`);
    }
  }
  return out.sort();
}

interface OutRecord {
  readonly key: unknown;
  readonly value: unknown;
}

/** The join-kinds job's output (JSON lines in part files) as the oracle's canonical lines, sorted. */
export function joinedLines(kind: JoinKind, out: string): string[] {
  const lines: string[] = [];
  for (const f of fs.readdirSync(out).filter((n) => n.startsWith('part-')).sort()) {
    for (const text of fs.readFileSync(path.join(out, f), 'utf8').split('\n')) {
      if (!text) continue;
      const { key, value } = JSON.parse(text) as OutRecord;
      if (kind === 'semi' || kind === 'anti') {
        lines.push(`${String(key)}\t${show(value as string[])}`);
      } else {
        const { left, right } = value as { left: string[]; right?: string[] | null };
        lines.push(`${String(key)}\t${show(left)}\t${right == null ? '-' : show(right)}`);
      }
    }
  }
  return lines.sort();
}

export const KINDS: readonly JoinKind[] = ['inner', 'left', 'semi', 'anti'];
export const STRATEGIES = ['replicated', 'reduce', 'bloom', 'auto'] as const;
