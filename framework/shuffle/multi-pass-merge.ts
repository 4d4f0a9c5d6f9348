import fs from 'node:fs';
import path from 'node:path';
import { SegmentMerger } from './merge.ts';
import { RunWriter } from './run-writer.ts';
import type { Segment } from './segment.ts';

export interface MultiPassOptions {
  /** At most this many segments are open in one merge (`mapreduce.task.io.sort.factor`); at least 2. */
  readonly factor: number;
  /** Local scratch dir of the attempt for intermediate files; created when a first pass needs it. */
  readonly dir: string;
  /** Intermediate file names start with this (default `merge`); distinct per merge sharing a dir. */
  readonly prefix?: string;
  /** Called every few thousand records of an intermediate pass (a heartbeat). */
  readonly progress?: () => void;
}

/**
 * Group sizes of one intermediate pass over `n` segments: consecutive groups of at most `factor`
 * segments, each merged into one file (a group of 1 is kept as it is). Groups are taken from the front
 * until what is left (merged files plus untouched segments) fits in one final merge; the last merged
 * group is only as large as that needs. When even a full pass leaves more than `factor`, another pass
 * follows. Groups are consecutive, so segment order (and the order of equal keys) is kept.
 */
export function passGroups(n: number, factor: number): number[] {
  const groups: number[] = [];
  let left = n;
  while (left > 0 && groups.length + left > factor) {
    const size = Math.min(factor, left, groups.length + left - factor + 1);
    groups.push(size);
    left -= size;
  }
  for (; left > 0; left--) groups.push(1);
  return groups;
}

/**
 * Merge of any number of sorted segments with at most `factor` files open at once (plus one being
 * written), as Hadoop's Merger does: while there are more than `factor` segments, earlier passes merge
 * consecutive groups into intermediate files under `dir`; the final pass streams. Equal keys come out in
 * the order of the given segments, exactly as a single k-way merge of all of them would give them.
 * `close()` closes every file and deletes the intermediate files (a constructor that throws has done so).
 */
export class MultiPassMerger {
  /** Intermediate passes run before the final merge (0: one pass). */
  passes = 0;
  /** Records written to intermediate files (Hadoop counts them in Spilled Records). */
  spilledRecords = 0;
  private readonly files = new Set<string>();
  private final: SegmentMerger | undefined;

  constructor(
    segments: readonly Segment[],
    private readonly opts: MultiPassOptions,
  ) {
    if (!Number.isInteger(opts.factor) || opts.factor < 2) throw new RangeError(`merge factor must be a whole number of at least 2, got ${opts.factor}`);
    try {
      let current = segments.filter((s) => s.length > 0);
      while (current.length > opts.factor) current = this.pass(current);
      this.final = new SegmentMerger(current);
    } catch (err) {
      this.close();
      throw err;
    }
  }

  private pass(segments: readonly Segment[]): Segment[] {
    const pass = this.passes++;
    fs.mkdirSync(this.opts.dir, { recursive: true });
    const out: Segment[] = [];
    let at = 0;
    passGroups(segments.length, this.opts.factor).forEach((size, g) => {
      const group = segments.slice(at, at + size);
      at += size;
      if (size === 1) return void out.push(group[0]!);
      out.push(this.mergeToFile(group, path.join(this.opts.dir, `${this.opts.prefix ?? 'merge'}.${pass}.${g}.out`)));
      for (const s of group) this.remove(s.file); // an intermediate file holds one segment: fully read now
    });
    return out;
  }

  private mergeToFile(group: readonly Segment[], file: string): Segment {
    const writer = new RunWriter(file);
    this.files.add(file);
    let merger: SegmentMerger | undefined;
    try {
      merger = new SegmentMerger(group);
      let n = 0;
      while (merger.next()) {
        writer.add(merger.key, merger.value);
        if ((++n & 0xfff) === 0) this.opts.progress?.();
      }
      writer.endPartition();
      const [segment] = writer.close();
      this.spilledRecords += n;
      return segment!;
    } catch (err) {
      writer.abort();
      throw err;
    } finally {
      merger?.close();
    }
  }

  /** Delete an intermediate file of this merge (input segments of others are never touched). */
  private remove(file: string): void {
    if (!this.files.delete(file)) return;
    try {
      fs.rmSync(file, { force: true });
    } catch {
      // left for the removal of the attempt's scratch dir
    }
  }

  /** Move to the next record; its bytes are in `key` / `value` until the next call. */
  next(): boolean {
    return this.final?.next() ?? false;
  }

  get key(): Buffer {
    return this.final!.key;
  }

  get value(): Buffer {
    return this.final!.value;
  }

  close(): void {
    this.final?.close();
    this.final = undefined;
    for (const f of [...this.files]) this.remove(f);
  }
}
