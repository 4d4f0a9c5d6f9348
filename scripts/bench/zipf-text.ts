import fs from 'node:fs';
import path from 'node:path';

/** Deterministic 32-bit PRNG (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A vocabulary of `n` distinct lowercase words (2-10 letters), deterministic. */
export function vocabulary(n: number, seed = 7): string[] {
  const rnd = prng(seed);
  const seen = new Set<string>();
  const words: string[] = [];
  while (words.length < n) {
    const len = 2 + Math.floor(rnd() * 9);
    let w = '';
    for (let i = 0; i < len; i++) w += String.fromCharCode(97 + Math.floor(rnd() * 26));
    if (!seen.has(w)) {
      seen.add(w);
      words.push(w);
    }
  }
  return words;
}

/** Cumulative Zipf(s=1) weights over ranks 1..n. */
function zipfCdf(n: number): Float64Array {
  const cdf = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) cdf[i] = total += 1 / (i + 1);
  for (let i = 0; i < n; i++) cdf[i]! /= total;
  return cdf;
}

/**
 * Write about `bytes` bytes of Zipf-distributed words, single-space separated, ~12 words a line.
 * Returns the exact count of every vocabulary word written (the independent count).
 */
export function writeZipfText(file: string, bytes: number, vocabSize = 50_000, seed = 42): Map<string, number> {
  const words = vocabulary(vocabSize);
  const encoded = words.map((w) => Buffer.from(w, 'latin1'));
  const cdf = zipfCdf(vocabSize);
  const counts = new Uint32Array(vocabSize);
  const rnd = prng(seed);
  const fd = fs.openSync(file, 'w');
  const buf = Buffer.allocUnsafe(4 * 1024 * 1024);
  let len = 0;
  let written = 0;
  let inLine = 0;
  while (written + len < bytes) {
    const u = rnd();
    let lo = 0;
    let hi = vocabSize - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid]! < u) lo = mid + 1;
      else hi = mid;
    }
    counts[lo]!++;
    const w = encoded[lo]!;
    if (inLine > 0) buf[len++] = 32;
    w.copy(buf, len);
    len += w.length;
    if (++inLine === 12) {
      buf[len++] = 10;
      inLine = 0;
    }
    if (len > buf.length - 64) {
      fs.writeSync(fd, buf, 0, len);
      written += len;
      len = 0;
    }
  }
  if (inLine > 0) buf[len++] = 10;
  fs.writeSync(fd, buf, 0, len);
  // Flush now, so the kernel's write-back does not compete with the run being measured.
  fs.fsyncSync(fd);
  fs.closeSync(fd);
  const result = new Map<string, number>();
  words.forEach((w, i) => counts[i]! > 0 && result.set(w, counts[i]!));
  return result;
}

/** Word counts of an output dir's part files (`word\tcount` lines). */
export function readCounts(out: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const f of fs.readdirSync(out).filter((n) => n.startsWith('part-'))) {
    for (const line of fs.readFileSync(path.join(out, f), 'utf8').split('\n')) {
      if (!line) continue;
      const tab = line.indexOf('\t');
      m.set(line.slice(0, tab), Number(line.slice(tab + 1)));
    }
  }
  return m;
}

/** How `got` differs from the generator's count, or undefined when it is exact. */
export function countDifference(expected: ReadonlyMap<string, number>, got: ReadonlyMap<string, number>): string | undefined {
  let mismatches = 0;
  for (const [w, c] of expected) if (got.get(w) !== c) mismatches++;
  let extra = 0;
  for (const w of got.keys()) if (!expected.has(w)) extra++;
  if (mismatches === 0 && extra === 0) return undefined;
  return `${mismatches} words differ, ${extra} words not in the text, ${got.size} vs ${expected.size} distinct`;
}
