import PQueue from 'p-queue';
import { pipeline } from 'node:stream/promises';
import type { Segment } from '../shuffle/segment.ts';
import type { ReduceTaskSpec } from '../task/spec.ts';
import { ShuffleFetchFailure } from '../runner/types.ts';
import type { ClusterHosts, Host } from './hosts.ts';
import { shellQuote } from './ssh.ts';

/** Segments copied at once per reduce (Hadoop's mapred.reduce.parallel.copies is 5). */
const PARALLEL_COPIES = 8;
/** SFTP status code of a missing file. */
const NO_SUCH_FILE = 2;

/**
 * Copy a reduce's segments held by other machines to `h` over SFTP (Hadoop's shuffle fetch), a few at
 * a time. A segment its map machine cannot serve (unreachable, file gone) fails the attempt with
 * ShuffleFetchFailure naming that map, so the map re-runs; a problem on `h` itself (its disk, its
 * connection) is an ordinary failure of the attempt on `h`.
 */
export async function fetchSegments(
  hosts: ClusterHosts,
  h: Host,
  spec: ReduceTaskSpec,
  holder: (file: string) => Host | undefined,
  signal?: AbortSignal,
  /** A copy of segment `i` already on `h` (the shuffle was started while maps ran), if there is one. */
  copied?: (i: number, seg: Segment) => Promise<Segment | undefined>,
): Promise<Segment[]> {
  const dir = `${hosts.jobDir(h, spec.jobId)}/fetch/${spec.attemptId}`;
  const conn = await hosts.connection(h);
  await conn.run(`mkdir -p ${shellQuote(dir)}`);
  const dst = await conn.sftp();
  const lost: number[] = [];
  const reasons: string[] = [];
  const queue = new PQueue({ concurrency: PARALLEL_COPIES });
  const copy = async (seg: Segment, i: number): Promise<Segment> => {
    signal?.throwIfAborted();
    const from = holder(seg.file);
    if (!from || seg.length === 0) return seg;
    const early = from === h ? undefined : await copied?.(i, seg);
    if (early) return early;
    if (from === h) {
      // Read in place, if it is still there.
      const err = await new Promise<(Error & { code?: number }) | undefined>((resolve) => dst.stat(seg.file, (e) => resolve(e ?? undefined)));
      if (err && err.code !== NO_SUCH_FILE) throw new Error(`${h.machine.name}: cannot check ${seg.file}: ${err.message}`);
      if (err) {
        lost.push(i);
        reasons.push(`${seg.file} on ${h.machine.name}: ${err.message}`);
      }
      return seg;
    }
    const target = `${dir}/map_${i}.seg`;
    const mapSide = await copySegment(hosts, from, seg, h, target, signal);
    if (mapSide) {
      lost.push(i);
      reasons.push(`${seg.file} on ${from.machine.name}: ${mapSide.message}`);
    }
    return { file: target, offset: 0, length: seg.length, records: seg.records };
  };
  const out = await Promise.all(spec.segments.map((seg, i) => queue.add(() => copy(seg, i)) as Promise<Segment>));
  if (lost.length) throw new ShuffleFetchFailure(spec.attemptId, lost, `shuffle fetch failed for ${lost.length} map output(s): ${reasons.slice(0, 3).join('; ')}`);
  return out;
}

/**
 * Copy one segment from its map machine `from` to `target` on `to`. Resolves with the map side's error
 * when the map output cannot be read (it is lost), undefined when copied; a problem on `to` throws.
 */
export async function copySegment(hosts: ClusterHosts, from: Host, seg: Segment, to: Host, target: string, signal?: AbortSignal): Promise<Error | undefined> {
  let src;
  try {
    src = await (await hosts.connection(from)).sftp();
  } catch (err) {
    return err as Error;
  }
  const dst = await (await hosts.connection(to)).sftp();
  let readError: Error | undefined;
  const read = src.createReadStream(seg.file, { start: seg.offset, end: seg.offset + seg.length - 1 }).on('error', (e: Error) => (readError ??= e));
  try {
    await pipeline(read, dst.createWriteStream(target), signal ? { signal } : {});
  } catch (err) {
    signal?.throwIfAborted();
    if (readError) return readError;
    throw new Error(`${to.machine.name}: writing ${target}: ${(err as Error).message}`);
  }
  return undefined;
}
