import fs from 'node:fs';
import path from 'node:path';
import type { CombineFn, Partitioner, ShuffleKey } from '../job/types.ts';
import { ByteSink } from './bytes.ts';
import { encodeKey, encodeKeyInto, encodeValue, encodeValueInto, decodeValue } from './codec.ts';
import { MultiPassMerger } from './multi-pass-merge.ts';
import { RunWriter } from './run-writer.ts';
import type { Segment } from './segment.ts';
import { DEFAULT_SORT_FACTOR } from './sort-factor.ts';
import { StringTable } from './string-table.ts';

/** Counters the collector maintains (Hadoop's "Map-Reduce Framework" group). */
export interface CollectorCounters {
  mapOutputRecords: number;
  mapOutputBytes: number;
  combineInputRecords: number;
  combineOutputRecords: number;
  spilledRecords: number;
  spills: number;
}

export interface CollectorOptions {
  readonly numPartitions: number;
  readonly partitioner: Partitioner<ShuffleKey>;
  /** Sort/aggregation budget in bytes (`--sort-mb`); a spill starts at 80% of it. */
  readonly budgetBytes: number;
  /** Directory for spills and the final map output file (shared by attempts: see `prefix`). */
  readonly dir: string;
  /**
   * File names start with this (the attempt id and a dot), so that the attempts of a step share one
   * directory: a new directory per attempt costs a tiny map more than its work (ext4: ~0.25 ms for the
   * mkdir and ~0.3 ms for the first file in it, against ~0.02 ms for a file in an existing one).
   */
  readonly prefix?: string;
  /**
   * A map output that fits the run writer's buffer (1 MiB) is appended to this process's output log in
   * `dir` instead of a file of its own (MapOutput.shared); spills always get their own files.
   */
  readonly outputLog?: boolean;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly combiner?: CombineFn<unknown, any>;
  /** Spills merged at once at the end of the map (`mapreduce.task.io.sort.factor`); default 100. */
  readonly sortFactor?: number;
  /** Heartbeat while a long spill merge runs. */
  readonly progress?: () => void;
}

/** The map task's final output: one file, one segment per reduce partition. */
export interface MapOutput {
  readonly file: string;
  readonly segments: readonly Segment[];
  /** The file is the worker's output log: other maps' outputs are in it too (never rename or delete it). */
  readonly shared?: boolean;
}

export interface MapOutputCollector {
  readonly counters: CollectorCounters;
  collect(key: ShuffleKey, value: unknown): void;
  /** Spill what is buffered and merge all spills into the final map output. */
  close(): MapOutput;
}

const SPILL_THRESHOLD = 0.8;

/** The first 31 bits of a key (bytes missing past its end count as 0), compared before the full key. */
function keyPrefix(buf: Buffer, start: number, length: number): number {
  if (length >= 4) return (buf[start]! << 23) | (buf[start + 1]! << 15) | (buf[start + 2]! << 7) | (buf[start + 3]! >> 1);
  const b0 = length > 0 ? buf[start]! : 0;
  const b1 = length > 1 ? buf[start + 1]! : 0;
  const b2 = length > 2 ? buf[start + 2]! : 0;
  return (b0 << 23) | (b1 << 15) | (b2 << 7);
}

function partitionOf(opts: CollectorOptions, key: ShuffleKey, kb: Buffer): number {
  const p = opts.partitioner(key, opts.numPartitions, kb);
  if (!Number.isInteger(p) || p < 0 || p >= opts.numPartitions) {
    throw new Error(`partitioner returned ${p} for key ${JSON.stringify(key)}; expected an integer in [0, ${opts.numPartitions})`);
  }
  return p;
}

/** mkdir, walking up only when the parent is missing (one system call for the usual attempt dir). */
function makeDir(dir: string): void {
  try {
    fs.mkdirSync(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') fs.mkdirSync(dir, { recursive: true });
    else if (code !== 'EEXIST') throw err;
  }
}

abstract class BaseCollector implements MapOutputCollector {
  readonly counters: CollectorCounters = {
    mapOutputRecords: 0,
    mapOutputBytes: 0,
    combineInputRecords: 0,
    combineOutputRecords: 0,
    spilledRecords: 0,
    spills: 0,
  };
  protected readonly spills: Segment[][] = [];
  /** The only spill went to the output log. */
  private shared = false;
  /** Set while close() writes the last spill. */
  protected closing = false;

  constructor(protected readonly opts: CollectorOptions) {
    makeDir(opts.dir);
  }

  /** A file of this collector's in its dir. */
  private file(name: string): string {
    return path.join(this.opts.dir, `${this.opts.prefix ?? ''}${name}`);
  }

  abstract collect(key: ShuffleKey, value: unknown): void;
  /** Write the buffered records as one sorted run; the writer is positioned at partition 0. */
  protected abstract writeSorted(out: RunWriter): void;
  protected abstract get empty(): boolean;

  protected spill(): void {
    // A map that never spilled before its end writes its output file at once (no rename after).
    const only = this.closing && this.spills.length === 0;
    const out = new RunWriter(this.file(only ? 'file.out' : `spill_${this.spills.length}.out`), only && this.opts.outputLog ? this.opts.dir : undefined);
    try {
      this.writeSorted(out);
      this.spills.push(out.close());
      this.shared = out.shared;
    } catch (err) {
      out.abort();
      throw err;
    }
    this.counters.spilledRecords += out.records;
    this.counters.spills++;
  }

  close(): MapOutput {
    this.closing = true;
    if (!this.empty || this.spills.length === 0) this.spill();
    const final = this.file('file.out');
    if (this.spills.length === 1) {
      const file = this.spills[0]![0]!.file;
      if (this.shared) return { file, segments: this.spills[0]!, shared: true };
      if (file !== final) fs.renameSync(file, final);
      return { file: final, segments: this.spills[0]!.map((s) => ({ ...s, file: final })) };
    }
    const out = new RunWriter(final);
    let segments: Segment[];
    try {
      for (let p = 0; p < this.opts.numPartitions; p++) this.mergePartition(p, out);
      segments = out.close();
    } catch (err) {
      out.abort();
      throw err;
    }
    this.counters.spilledRecords += out.records;
    for (const s of this.spills) fs.rmSync(s[0]!.file, { force: true });
    return { file: final, segments };
  }

  /**
   * Merge partition p of every spill into `out`, at most `sortFactor` spills open at once (earlier
   * passes write intermediate files next to the spills). With a combiner the spills hold accumulators:
   * the final pass `merge`s a key's accumulators in spill order and `extract`s the map-output value.
   */
  private mergePartition(p: number, out: RunWriter): void {
    const combiner = this.opts.combiner;
    const merger = new MultiPassMerger(
      this.spills.map((segs) => segs[p]!),
      {
        factor: this.opts.sortFactor ?? DEFAULT_SORT_FACTOR,
        dir: this.opts.dir,
        prefix: `${this.opts.prefix ?? ''}merge_p${p}`,
        ...(this.opts.progress ? { progress: this.opts.progress } : {}),
      },
    );
    try {
      let has = merger.next();
      while (has) {
        if (!combiner) {
          out.add(merger.key, merger.value);
          has = merger.next();
          continue;
        }
        const key = Buffer.from(merger.key);
        let acc = decodeValue(merger.value);
        let n = 1;
        while ((has = merger.next()) && merger.key.equals(key)) {
          acc = combiner.merge(acc, decodeValue(merger.value));
          n++;
        }
        this.counters.combineInputRecords += n;
        this.counters.combineOutputRecords++;
        out.add(key, encodeValue(combiner.extract(acc)));
      }
      out.endPartition();
    } finally {
      this.counters.spilledRecords += merger.spilledRecords;
      merger.close();
    }
  }
}

/** Without a combiner: serialized records in a byte buffer, sorted by (partition, key) per spill. */
export class SortingCollector extends BaseCollector {
  /**
   * 1 MiB, then the whole budget once the first MiB is full: a tiny task never allocates --sort-mb
   * (that allocation, made by every one of 5,120 tiny maps, kept their workers collecting garbage), and a
   * big one grows once (doubling would leave each outgrown buffer alive until a later GC: measured 2x
   * the budget in external memory).
   */
  private readonly kv = new ByteSink(Math.min(this.opts.budgetBytes, 1024 * 1024), this.opts.budgetBytes, true);
  /** Per record: partition, 4-byte key prefix, key start, key length, value length. */
  private meta = new Int32Array(5 * 16 * 1024);
  private count = 0;

  collect(key: ShuffleKey, value: unknown): void {
    // Key and value are encoded in place in the buffer: no per-record buffers to collect.
    const kv = this.kv;
    const kStart = kv.length;
    encodeKeyInto(kv, key);
    const kEnd = kv.length;
    encodeValueInto(kv, value);
    const buf = kv.buf;
    const klen = kEnd - kStart;
    const part = partitionOf(this.opts, key, buf.subarray(kStart, kEnd));
    if ((this.count + 1) * 5 > this.meta.length) {
      const next = new Int32Array(this.meta.length * 2);
      next.set(this.meta);
      this.meta = next;
    }
    const m = this.count * 5;
    this.meta[m] = part;
    this.meta[m + 1] = keyPrefix(buf, kStart, klen);
    this.meta[m + 2] = kStart;
    this.meta[m + 3] = klen;
    this.meta[m + 4] = kv.length - kEnd;
    this.count++;
    this.counters.mapOutputRecords++;
    this.counters.mapOutputBytes += kv.length - kStart;
    if (this.kv.length + this.count * 24 >= this.opts.budgetBytes * SPILL_THRESHOLD) this.spill();
  }

  protected get empty(): boolean {
    return this.count === 0;
  }

  protected writeSorted(out: RunWriter): void {
    const meta = this.meta;
    const buf = this.kv.buf;
    const order = Array.from({ length: this.count }, (_, i) => i * 5);
    order.sort((a, b) => {
      const d = meta[a]! - meta[b]! || meta[a + 1]! - meta[b + 1]!;
      if (d !== 0) return d;
      const ka = meta[a + 2]!;
      const kb = meta[b + 2]!;
      return buf.compare(buf, kb, kb + meta[b + 3]!, ka, ka + meta[a + 3]!) || a - b;
    });
    let p = 0;
    for (const m of order) {
      while (p < meta[m]!) {
        out.endPartition();
        p++;
      }
      const ks = meta[m + 2]!;
      const ke = ks + meta[m + 3]!;
      out.add(buf.subarray(ks, ke), buf.subarray(ke, ke + meta[m + 4]!));
    }
    for (; p < this.opts.numPartitions; p++) out.endPartition();
    this.kv.reset();
    this.count = 0;
  }
}

/**
 * With a combiner: map-side aggregation in a hash table (as Spark does) within the byte budget;
 * each spill writes one record per key, sorted: its accumulator (merged with the other spills' at the
 * end), or, when the map never spilled before closing, the extracted map-output value itself.
 */
export class AggregatingCollector extends BaseCollector {
  private strings = new StringTable<unknown>();
  private readonly others = new Map<string, { key: ShuffleKey; acc: unknown }>();
  /** Bytes of the non-string entries; the string table measures itself. */
  private otherBytes = 0;
  private emitted = 0;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  private readonly combiner: CombineFn<unknown, any>;

  constructor(opts: CollectorOptions) {
    super(opts);
    this.combiner = opts.combiner!;
  }

  collect(key: ShuffleKey, value: unknown): void {
    this.emitted++;
    if (typeof key === 'string') {
      const table = this.strings;
      const hash = StringTable.hash(key);
      const e = table.find(key, hash);
      if (e >= 0) {
        table.values[e] = this.combiner.add(table.values[e], value);
        return;
      }
      table.insert(key, hash, e, this.combiner.add(this.combiner.create(), value));
    } else {
      const kb = encodeKey(key);
      const id = kb.toString('latin1');
      const entry = this.others.get(id);
      if (entry) {
        entry.acc = this.combiner.add(entry.acc, value);
        return;
      }
      this.others.set(id, { key, acc: this.combiner.add(this.combiner.create(), value) });
      this.otherBytes += 2 * id.length + 160;
    }
    // Only a new key can grow the table past the budget.
    if (this.strings.bytes + this.otherBytes >= this.opts.budgetBytes * SPILL_THRESHOLD) this.spill();
  }

  override close(): MapOutput {
    this.counters.mapOutputRecords += this.emitted;
    this.counters.combineInputRecords += this.emitted;
    this.emitted = 0;
    return super.close();
  }

  protected get empty(): boolean {
    return this.strings.size === 0 && this.others.size === 0;
  }

  protected writeSorted(out: RunWriter): void {
    const c = this.opts.combiner!;
    const rows: { part: number; kb: Buffer; str: string; acc: unknown }[] = [];
    const keys = this.strings.keys();
    // String keys order as their UTF-8 bytes; JavaScript's `<` agrees (UTF-16 code units) when no key
    // has a code unit from U+D800 up (surrogates sort below U+E000..U+FFFF as code units, above as
    // code points), and is several times cheaper than comparing the encoded buffers.
    let asStrings = this.others.size === 0;
    for (let e = 0; e < keys.length; e++) {
      const key = keys[e]!;
      const kb = encodeKey(key);
      if (asStrings) for (let i = 0; i < key.length; i++) if (key.charCodeAt(i) >= 0xd800) asStrings = false;
      rows.push({ part: partitionOf(this.opts, key, kb), kb, str: key, acc: this.strings.values[e] });
    }
    for (const { key, acc } of this.others.values()) {
      const kb = encodeKey(key);
      rows.push({ part: partitionOf(this.opts, key, kb), kb, str: '', acc });
    }
    if (asStrings) rows.sort((a, b) => a.part - b.part || (a.str < b.str ? -1 : 1));
    else rows.sort((a, b) => a.part - b.part || a.kb.compare(b.kb));
    let p = 0;
    const asOutput = this.closing && this.spills.length === 0; // the only spill becomes the map output
    for (const r of rows) {
      while (p < r.part) {
        out.endPartition();
        p++;
      }
      const vb = encodeValue(asOutput ? c.extract(r.acc) : r.acc);
      this.counters.mapOutputBytes += r.kb.length + vb.length;
      out.add(r.kb, vb);
    }
    for (; p < this.opts.numPartitions; p++) out.endPartition();
    this.counters.combineOutputRecords += rows.length;
    this.strings = new StringTable();
    this.others.clear();
    this.otherBytes = 0;
  }
}

export function createCollector(opts: CollectorOptions): MapOutputCollector {
  return opts.combiner ? new AggregatingCollector(opts) : new SortingCollector(opts);
}
