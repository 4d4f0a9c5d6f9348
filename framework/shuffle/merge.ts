import { SegmentReader, type Segment } from './segment.ts';

function less(a: SegmentReader, b: SegmentReader): boolean {
  const c = a.key.compare(b.key);
  return c < 0 || (c === 0 && a.order < b.order);
}

/**
 * k-way merge of sorted segments by key bytes, all of them open at once (callers bound their number:
 * see MultiPassMerger). Equal keys come out in segment order (the order the segments were given: spill
 * order, then map task order), so value order is deterministic. `close()` releases every file, also
 * after an error; a constructor that throws has closed what it opened.
 */
export class SegmentMerger {
  private readonly heap: SegmentReader[] = [];
  private current: SegmentReader | undefined;

  constructor(segments: readonly Segment[]) {
    try {
      segments.forEach((s, i) => {
        if (s.length === 0) return;
        const r = new SegmentReader(s, i);
        if (r.next()) this.push(r);
      });
    } catch (err) {
      this.close();
      throw err;
    }
  }

  private push(r: SegmentReader): void {
    const h = this.heap;
    h.push(r);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!less(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  private sift(): void {
    const h = this.heap;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && less(h[l]!, h[m]!)) m = l;
      if (r < h.length && less(h[r]!, h[m]!)) m = r;
      if (m === i) return;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }

  /** Move to the next record; its bytes are in `key` / `value` until the next call. */
  next(): boolean {
    const h = this.heap;
    if (this.current) {
      if (this.current.next()) this.sift();
      else {
        const last = h.pop()!;
        if (h.length > 0 && last !== this.current) {
          h[0] = last;
          this.sift();
        }
      }
    }
    this.current = h[0];
    return this.current !== undefined;
  }

  get key(): Buffer {
    return this.current!.key;
  }

  get value(): Buffer {
    return this.current!.value;
  }

  close(): void {
    for (const r of this.heap) r.close();
    this.heap.length = 0;
    this.current = undefined;
  }
}
