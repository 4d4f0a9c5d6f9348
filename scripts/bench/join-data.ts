/**
 * Deterministic generated data for joins (bench:join, tests): call records and subscribers.
 *
 * - calls TSV: `caller\tcallee\tstart_epoch\tduration_s\tcell`, callers (and callees) drawn from the
 *   subscriber ids `s0000001`, `s0000002`, ... (uniform, Zipf-skewed, and/or with one hot caller);
 * - subscribers TSV: `id\ttariff\tcity`, every subscriber or a chosen fraction of them with one tariff.
 *
 * Everything streams to disk through one fixed buffer: memory is bounded by the buffer, plus one
 * number per subscriber for the per-caller tallies (and the Zipf table when skewed).
 */
import fs from 'node:fs';
import { prng } from './zipf-text.ts';

/** Subscriber index `i` (0-based) as its id: `s0000001` for 0. */
export function subscriberId(i: number): string {
  return `s${String(i + 1).padStart(7, '0')}`;
}

/** The 0-based index of a subscriber id (inverse of subscriberId), or -1 when it is not one. */
export function subscriberIndex(id: string): number {
  if (!/^s\d{7,}$/.test(id)) return -1;
  return Number(id.slice(1)) - 1;
}

export const TARIFFS: readonly string[] = ['basic', 'plus', 'max', 'family', 'business'];
export const CITIES: readonly string[] = ['Aarhus', 'Bergen', 'Cork', 'Dresden', 'Espoo', 'Faro', 'Graz', 'Haarlem', 'Izmir', 'Jena', 'Kaunas', 'Lyon', 'Malmo', 'Nantes', 'Oslo', 'Porto', 'Riga', 'Split', 'Turku', 'Utrecht'];

/** 1 November 2026, 00:00 UTC: "last month" of the generated calls (30 days from here). */
export const MONTH_START = Date.UTC(2026, 10, 1) / 1000;
const MONTH_SECONDS = 30 * 24 * 3600;

/** Lines appended to a file through one buffer (bounded memory), flushed and fsynced at close. */
class LineFile {
  private readonly fd: number;
  private readonly buf = Buffer.allocUnsafe(4 * 1024 * 1024);
  private len = 0;
  bytes = 0;

  constructor(file: string) {
    this.fd = fs.openSync(file, 'w');
  }

  line(text: string): void {
    if (this.len + text.length * 3 + 1 > this.buf.length) this.flush();
    this.len += this.buf.write(text, this.len, 'utf8');
    this.buf[this.len++] = 10;
  }

  private flush(): void {
    fs.writeSync(this.fd, this.buf, 0, this.len);
    this.bytes += this.len;
    this.len = 0;
  }

  close(): number {
    this.flush();
    // Flush now, so the kernel's write-back does not compete with a run being measured.
    fs.fsyncSync(this.fd);
    fs.closeSync(this.fd);
    return this.bytes;
  }
}

export interface CallsOptions {
  /** Call records to write. */
  readonly records: number;
  /** Subscribers the callers and callees are drawn from (ids s0000001...). */
  readonly subscribers: number;
  readonly seed?: number;
  /** Zipf exponent of the callers' distribution over subscriber ranks; 0 (default) is uniform. */
  readonly zipf?: number;
  /** Fraction of the records whose caller is the first subscriber (one hot key); default 0. */
  readonly hotShare?: number;
}

export interface CallsSummary {
  readonly records: number;
  readonly bytes: number;
  /** Per subscriber index: calls made (as caller) and their total duration in seconds. */
  readonly calls: Uint32Array;
  readonly seconds: Float64Array;
}

/** Cumulative Zipf(s) weights over ranks 1..n, normalised to 1. */
function zipfCdf(n: number, s: number): Float64Array {
  const cdf = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) cdf[i] = total += 1 / Math.pow(i + 1, s);
  for (let i = 0; i < n; i++) cdf[i]! /= total;
  return cdf;
}

function searchCdf(cdf: Float64Array, u: number): number {
  let lo = 0;
  let hi = cdf.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cdf[mid]! < u) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function checkCount(what: string, n: number, min: number): void {
  if (!Number.isSafeInteger(n) || n < min) throw new Error(`${what} must be an integer >= ${min}, got ${n}`);
}

/** Write `records` call records to `file`; returns the per-caller tallies (the independent oracle). */
export function writeCalls(file: string, options: CallsOptions): CallsSummary {
  const { records, subscribers, seed = 1, zipf = 0, hotShare = 0 } = options;
  checkCount('records', records, 0);
  checkCount('subscribers', subscribers, 1);
  if (!(hotShare >= 0 && hotShare <= 1)) throw new Error(`hotShare must be in [0, 1], got ${hotShare}`);
  if (!(zipf >= 0)) throw new Error(`zipf must be >= 0, got ${zipf}`);
  const rnd = prng(seed);
  const cdf = zipf > 0 ? zipfCdf(subscribers, zipf) : undefined;
  const calls = new Uint32Array(subscribers);
  const seconds = new Float64Array(subscribers);
  const out = new LineFile(file);
  for (let r = 0; r < records; r++) {
    const caller = hotShare > 0 && rnd() < hotShare ? 0 : cdf ? searchCdf(cdf, rnd()) : Math.floor(rnd() * subscribers);
    const callee = Math.floor(rnd() * subscribers);
    const start = MONTH_START + Math.floor(rnd() * MONTH_SECONDS);
    const duration = Math.min(7200, 1 + Math.floor(-Math.log(1 - rnd()) * 150));
    const cell = Math.floor(rnd() * 10_000);
    calls[caller]!++;
    seconds[caller]! += duration;
    out.line(`${subscriberId(caller)}\t${subscriberId(callee)}\t${start}\t${duration}\tc${cell}`);
  }
  return { records, bytes: out.close(), calls, seconds };
}

/** A hash of (index, seed) in [0, 1): which subscribers a fraction selects, without memory. */
function unitHash(i: number, seed: number): number {
  let h = Math.imul(i ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(seed + 0x27d4eb2f, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return ((h ^ (h >>> 16)) >>> 0) / 4294967296;
}

export interface SubscribersOptions {
  readonly subscribers: number;
  readonly seed?: number;
}

/** Write every subscriber `id\ttariff\tcity` (tariff and city drawn at random), in id order. */
export function writeSubscribers(file: string, options: SubscribersOptions): { rows: number; bytes: number } {
  const { subscribers, seed = 2 } = options;
  checkCount('subscribers', subscribers, 0);
  const rnd = prng(seed);
  const out = new LineFile(file);
  for (let i = 0; i < subscribers; i++) {
    out.line(`${subscriberId(i)}\t${TARIFFS[Math.floor(rnd() * TARIFFS.length)]}\t${CITIES[Math.floor(rnd() * CITIES.length)]}`);
  }
  return { rows: subscribers, bytes: out.close() };
}

export interface FractionOptions extends SubscribersOptions {
  /** Share of the subscriber ids written, in [0, 1] (0.05: about 5% of them, so about 5% of the calls of uniform callers). */
  readonly fraction: number;
  /** The one tariff of every row written (default 'plus'). */
  readonly tariff?: string;
}

export interface FractionSummary {
  readonly rows: number;
  readonly bytes: number;
  /** Whether subscriber index `i` is in the file (computed, no set held in memory). */
  readonly has: (i: number) => boolean;
}

/**
 * Write the subscribers of one tariff: a deterministic selection of about `fraction` of the ids (each
 * kept when a hash of its index and the seed is below `fraction`), in id order.
 */
export function writeSubscriberFraction(file: string, options: FractionOptions): FractionSummary {
  const { subscribers, fraction, seed = 3, tariff = 'plus' } = options;
  checkCount('subscribers', subscribers, 0);
  if (!(fraction >= 0 && fraction <= 1)) throw new Error(`fraction must be in [0, 1], got ${fraction}`);
  if (/[\t\n\r]/.test(tariff)) throw new Error(`tariff must not hold tabs or line ends: ${JSON.stringify(tariff)}`);
  const has = (i: number): boolean => Number.isInteger(i) && i >= 0 && i < subscribers && unitHash(i, seed) < fraction;
  const rnd = prng(seed);
  const out = new LineFile(file);
  let rows = 0;
  for (let i = 0; i < subscribers; i++) {
    if (!has(i)) continue;
    out.line(`${subscriberId(i)}\t${tariff}\t${CITIES[Math.floor(rnd() * CITIES.length)]}`);
    rows++;
  }
  return { rows, bytes: out.close(), has };
}

/**
 * The expected output of jobs/join-calls.ts (`subscriber\tcalls\tseconds` per subscriber of the side
 * with at least one call), sorted, from a CallsSummary and a side's membership.
 */
export function expectedCallTotals(calls: CallsSummary, has: (i: number) => boolean): string[] {
  const lines: string[] = [];
  for (let i = 0; i < calls.calls.length; i++) if (calls.calls[i]! > 0 && has(i)) lines.push(`${subscriberId(i)}\t${calls.calls[i]}\t${calls.seconds[i]}`);
  return lines.sort();
}
