import fs from 'node:fs';
import path from 'node:path';

/** Terms of one inverted index over all partitions: distinct terms of the union, and the sum of docFreq (= postings). */
export interface TermStats {
  readonly distinct: number;
  readonly sumDocFreq: number;
}

function varint(buf: Buffer, at: { pos: number }): number {
  let value = 0;
  let scale = 1;
  for (;;) {
    const b = buf[at.pos++];
    if (b === undefined) throw new Error('dictionary ends inside a varint');
    value += (b & 0x7f) * scale;
    if (b < 0x80) return value;
    scale *= 128;
  }
}

/**
 * TermStats of the inverted indexes `indexes` of a bsctl full index, `tableDir` = `<index-root>/<table>`: its newest
 * generation, every partition's `index/<name>/dictionary` (docs/index-format.md: varint termLength, term bytes,
 * varint docFreq, varint postingOffset, varint postingLength).
 */
export function bsctlTermStats(tableDir: string, indexes: readonly string[]): Map<string, TermStats> {
  const generations = fs.readdirSync(tableDir).filter((n) => /^generation_\d+$/.test(n));
  if (generations.length === 0) throw new Error(`${tableDir}: no generation_<n> directory`);
  const newest = generations.sort((a, b) => Number(a.slice(11)) - Number(b.slice(11))).at(-1)!;
  const gen = path.join(tableDir, newest);
  const partitions = fs.readdirSync(gen).filter((n) => n.startsWith('partition_'));
  const out = new Map<string, TermStats>();
  for (const index of indexes) {
    const terms = new Set<string>();
    let sumDocFreq = 0;
    for (const p of partitions) {
      const file = path.join(gen, p, 'segment_0_level_0', 'index', index, 'dictionary');
      if (!fs.existsSync(file)) continue;
      const buf = fs.readFileSync(file);
      const at = { pos: 0 };
      while (at.pos < buf.length) {
        const len = varint(buf, at);
        terms.add(buf.toString('latin1', at.pos, at.pos + len));
        at.pos += len;
        sumDocFreq += varint(buf, at);
        varint(buf, at);
        varint(buf, at);
      }
    }
    out.set(index, { distinct: terms.size, sumDocFreq });
  }
  return out;
}
