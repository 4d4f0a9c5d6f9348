import fs from 'node:fs';
import { prng, vocabulary } from './zipf-text.ts';

/** A mixed vocabulary: ASCII words and 2–4 character CJK words, deterministic. */
function mixedVocabulary(n: number): string[] {
  const ascii = vocabulary(Math.ceil(n / 2), 11);
  const rnd = prng(13);
  const cjk = new Set<string>();
  while (cjk.size < Math.floor(n / 2)) {
    const len = 2 + Math.floor(rnd() * 3);
    let w = '';
    for (let i = 0; i < len; i++) w += String.fromCharCode(0x4e00 + Math.floor(rnd() * 0x51a5));
    cjk.add(w);
  }
  const cjkList = [...cjk];
  // Interleave so both kinds appear among the frequent (low) ranks.
  const out: string[] = [];
  for (let i = 0; out.length < n; i++) {
    if (i < ascii.length) out.push(ascii[i]!);
    if (i < cjkList.length && out.length < n) out.push(cjkList[i]!);
  }
  return out;
}

/**
 * Write `count` deterministic ha3 documents matching fixtures/in1/schema.json (id, hits, title, subject
 * with Zipf words incl. CJK, createtime UINT64 incl. values near 2^63, multi-value tags).
 */
export function writeHa3Docs(file: string, count: number, seed = 5): number {
  const vocab = mixedVocabulary(20_000);
  const cdf = new Float64Array(vocab.length);
  let total = 0;
  for (let i = 0; i < vocab.length; i++) cdf[i] = total += 1 / (i + 1);
  const rnd = prng(seed);
  const word = (): string => {
    const u = rnd() * total;
    let lo = 0;
    let hi = vocab.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid]! < u) lo = mid + 1;
      else hi = mid;
    }
    return vocab[lo]!;
  };
  const words = (n: number): string => Array.from({ length: n }, word).join(' ');
  const tags = ['news', 'sports', 'tech', 'finance', '娱乐', '体育', 'travel', 'food'];
  const fd = fs.openSync(file, 'w');
  let chunk = '';
  for (let i = 1; i <= count; i++) {
    const big = i % 10 === 0 ? 9223372036854775807n - BigInt(i) : 1600000000000n + BigInt(i);
    const t = [tags[i % 8]!, tags[(i * 7) % 8]!].join('\x1D');
    chunk +=
      `CMD=add\x1F\nid=${i}\x1F\nhits=${Math.floor(rnd() * 100000)}\x1F\ntitle=${words(6 + Math.floor(rnd() * 6))}\x1F\n` +
      `subject=${words(25 + Math.floor(rnd() * 15))}\x1F\ncreatetime=${big}\x1F\ntags=${t}\x1F\n\x1E\n`;
    if (chunk.length > 1 << 20) {
      fs.writeSync(fd, chunk);
      chunk = '';
    }
  }
  fs.writeSync(fd, chunk);
  // Flush now, so the kernel's write-back does not compete with the run being measured.
  fs.fsyncSync(fd);
  fs.closeSync(fd);
  return fs.statSync(file).size;
}
