import PQueue from 'p-queue';
import type { Segment } from '../shuffle/segment.ts';
import type { ClusterHosts, Host } from './hosts.ts';
import { copySegment } from './shuffle-fetch.ts';
import { shellQuote } from './ssh.ts';

/** Segment copies running at once per job while maps run. */
const PREFETCH_COPIES = 4;

/**
 * The shuffle started while maps still run (Hadoop starts reducers early to copy map outputs as maps
 * finish): each reduce partition gets a machine with reduce slots, and every finished map's segment for
 * that partition is copied there in the background. The reduce then prefers that machine and finds the
 * copies local; placed elsewhere, it fetches as usual. A failed copy is only a missed head start.
 */
export class ShufflePrefetch {
  private readonly targets = new Map<number, Host>();
  private readonly copies = new Map<string, { host: Host; path: string; done: Promise<boolean> }>();
  private readonly dirs = new Map<string, Promise<void>>();
  private readonly queue = new PQueue({ concurrency: PREFETCH_COPIES });
  /** Segments copied early, and of those, used by a reduce. */
  copied = 0;
  used = 0;

  constructor(
    private readonly hosts: ClusterHosts,
    private readonly jobId: string,
    /** Machines this job may use (not blacklisted). */
    private readonly usable: (h: Host) => boolean,
  ) {}

  /** The machine partition `p` is gathered on (spread round-robin over machines with reduce slots). */
  target(p: number): Host | undefined {
    const h = this.targets.get(p);
    if (h && !h.down && this.usable(h)) return h;
    const candidates = this.hosts.hosts.filter((x) => !x.down && this.usable(x) && x.machine.reduceSlots > 0);
    const pick = candidates[p % Math.max(1, candidates.length)];
    if (pick) this.targets.set(p, pick);
    return pick;
  }

  /** A map finished on `from`: copy its segments to their partitions' machines. */
  mapDone(from: Host, segments: readonly Segment[]): void {
    segments.forEach((seg, p) => {
      const to = seg.length > 0 ? this.target(p) : undefined;
      const key = `${p}\0${seg.file}`;
      if (!to || to === from || this.copies.has(key)) return;
      const dir = `${this.hosts.jobDir(to, this.jobId)}/shuffle/p${p}`;
      const path = `${dir}/${seg.file.replace(/[^\w.-]+/g, '_')}.seg`;
      const done = this.queue
        .add(async () => {
          await this.mkdir(to, dir);
          const lost = await copySegment(this.hosts, from, seg, to, path);
          if (!lost) this.copied++;
          return !lost;
        })
        .then((ok) => ok === true, () => false);
      this.copies.set(key, { host: to, path, done });
    });
  }

  private mkdir(h: Host, dir: string): Promise<void> {
    let made = this.dirs.get(`${h.machine.name}\0${dir}`);
    if (!made) {
      made = this.hosts.connection(h).then((c) => c.run(`mkdir -p ${shellQuote(dir)}`)).then(() => {});
      this.dirs.set(`${h.machine.name}\0${dir}`, made);
      made.catch(() => this.dirs.delete(`${h.machine.name}\0${dir}`));
    }
    return made;
  }

  /** Segment `seg` of partition `p` as already copied to `h` (waiting for a copy under way), if it is there. */
  async local(p: number, seg: Segment, h: Host): Promise<Segment | undefined> {
    const c = this.copies.get(`${p}\0${seg.file}`);
    if (!c || c.host !== h || !(await c.done)) return undefined;
    const sftp = await (await this.hosts.connection(h)).sftp();
    const there = await new Promise<boolean>((resolve) => sftp.stat(c.path, (err) => resolve(!err)));
    if (!there) return undefined;
    this.used++;
    return { file: c.path, offset: 0, length: seg.length, records: seg.records };
  }

  /** Stop copying (the job ends); resolves when copies under way have finished. */
  async stop(): Promise<void> {
    this.queue.clear();
    await this.queue.onIdle();
  }
}
