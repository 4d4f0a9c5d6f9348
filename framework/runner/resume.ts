import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { acquireLock, type Lock } from '../fs/lock.ts';
import { removeByRename } from '../fs/remove.ts';
import { fileSystemFor } from '../fs/resolve.ts';
import type { InputSplit } from '../input/types.ts';
import type { Segment } from '../shuffle/segment.ts';
import type { TaskResult } from '../task/spec.ts';

/**
 * `bsctl run ... --resume`: the map outputs of tasks that finished in an earlier `--resume` run of the
 * same job (same job code, input paths, conf, reducers, split size) are reused instead of run again.
 * Each finished map is recorded in `<work root>/resume/<key>/` with the content hash of the input file
 * it read and of its output; a record is used only when both still match, so a changed input or job
 * code never yields a stale result, and the job's output is byte-identical to a full run. The records
 * go once the job succeeds. Like Hadoop's job recovery, but across driver restarts.
 */
export interface ResumeIdentity {
  readonly jobModule: string;
  readonly jobExport: string;
  readonly input: readonly string[];
  readonly conf: Readonly<Record<string, string>>;
  readonly reducers: number;
  readonly splitSize: number | undefined;
  readonly sortMb: number;
}

type MapOutput = NonNullable<TaskResult['mapOutput']>;

interface Entry {
  readonly index: number;
  readonly split: InputSplit;
  readonly inputSha256: string;
  readonly outputSha256: string;
  readonly segments: readonly Segment[];
  readonly result: TaskResult;
}

/** Bytes [start, start+length) of a local file into a new file. */
function copyRange(from: string, start: number, length: number, to: string): void {
  const buf = Buffer.allocUnsafe(length);
  const src = fs.openSync(from, 'r');
  try {
    for (let off = 0; off < length; ) {
      const n = fs.readSync(src, buf, off, length - off, start + off);
      if (n === 0) throw new Error(`${from}: ends before byte ${start + length} (a map output in it is truncated)`);
      off += n;
    }
  } finally {
    fs.closeSync(src);
  }
  fs.writeFileSync(to, buf);
}

/** sha256 of a whole file (local or HDFS), streamed. */
async function fileSha256(p: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of fileSystemFor(p).openRead(p)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The job's code as it runs: the module and everything it imports, bundled, hashed. */
async function jobCodeSha256(jobModule: string): Promise<string> {
  const result = await build({ entryPoints: [jobModule], bundle: true, platform: 'node', format: 'esm', write: false, logLevel: 'silent', external: ['@node-rs/*'] });
  return createHash('sha256').update(result.outputFiles[0]!.contents).digest('hex');
}

const sameSplit = (a: InputSplit, b: InputSplit): boolean => JSON.stringify(a) === JSON.stringify(b);

export class ResumeStore {
  private readonly inputHashes = new Map<string, Promise<string>>();

  private constructor(
    readonly dir: string,
    private readonly lock: Lock,
    private readonly log: (line: string) => void,
  ) {}

  /** The store of this job identity under `workRoot`, locked for this run (another live run using it is refused). */
  static async open(workRoot: string, id: ResumeIdentity, log: (line: string) => void): Promise<ResumeStore> {
    const key = createHash('sha256')
      .update(JSON.stringify({ ...id, jobModule: path.resolve(id.jobModule), code: await jobCodeSha256(id.jobModule), conf: Object.entries(id.conf).sort() }))
      .digest('hex')
      .slice(0, 32);
    const dir = path.join(workRoot, 'resume', key);
    fs.mkdirSync(dir, { recursive: true });
    const lock = await acquireLock(path.join(dir, '.bsctl-resume.lock'), { what: `the resume records ${dir}`, log });
    const store = new ResumeStore(dir, lock, log);
    const n = fs.readdirSync(dir).filter((f) => /^m_\d+\.json$/.test(f)).length;
    log(n ? `resume: ${n} finished map(s) recorded in ${dir}; each is checked against its input and output hashes` : `resume: nothing recorded yet for this job, input and conf (${dir}); finished maps are recorded from now on`);
    return store;
  }

  private fileHash(p: string): Promise<string> {
    let h = this.inputHashes.get(p);
    if (!h) this.inputHashes.set(p, (h = fileSha256(p)));
    return h;
  }

  /** Content hash of every file a split reads (one, or each file of a combined split). */
  private async inputHash(split: InputSplit): Promise<string> {
    // An HBase region's rows have no content hash to compare: such a map is never reused.
    if (split.region) return `hbase rows, read ${randomUUID()}`;
    const c = split.combined;
    if (!c) return this.fileHash(split.path);
    const hash = createHash('sha256');
    for (const n of c.names) hash.update(`${await this.fileHash(c.dir + n)}\n`);
    return hash.digest('hex');
  }

  /** A recorded map whose split, input content and output content all still match, or undefined. */
  async reusable(index: number, split: InputSplit): Promise<{ mapOutput: MapOutput; result: TaskResult } | undefined> {
    const meta = path.join(this.dir, `m_${index}.json`);
    const out = path.join(this.dir, `m_${index}.out`);
    let e: Entry;
    try {
      e = JSON.parse(fs.readFileSync(meta, 'utf8')) as Entry;
    } catch {
      return undefined;
    }
    const why = !sameSplit(e.split, split)
      ? 'its split changed'
      : (await this.inputHash(split)) !== e.inputSha256
        ? `its input ${split.path}${split.combined ? ` (or another of its ${split.combined.names.length} files)` : ''} changed`
        : !fs.existsSync(out) || (await fileSha256(out)) !== e.outputSha256
          ? 'its recorded output is damaged'
          : undefined;
    if (why) {
      this.log(`resume: map ${index} runs again (${why})`);
      fs.rmSync(meta, { force: true });
      fs.rmSync(out, { force: true });
      return undefined;
    }
    return { mapOutput: { file: out, segments: e.segments.map((s) => ({ ...s, file: out })) }, result: e.result };
  }

  /** Move a finished map's output into the store and record it; returns where the output now is. */
  async record(index: number, split: InputSplit, result: TaskResult): Promise<MapOutput> {
    const m = result.mapOutput!;
    const out = path.join(this.dir, `m_${index}.out`);
    // An output in the worker's shared log is copied out (its byte range); one of its own is moved.
    const base = m.shared ? (m.segments[0]?.offset ?? 0) : 0;
    if (m.shared) copyRange(m.file, base, m.segments.reduce((n, s) => n + s.length, 0), out);
    else fs.renameSync(m.file, out);
    const segments = m.segments.map((s) => ({ ...s, file: out, offset: s.offset - base }));
    const entry: Entry = { index, split, inputSha256: await this.inputHash(split), outputSha256: await fileSha256(out), segments, result: { ...result, mapOutput: { file: out, segments } } };
    const meta = path.join(this.dir, `m_${index}.json`);
    fs.writeFileSync(`${meta}.tmp`, JSON.stringify(entry));
    fs.renameSync(`${meta}.tmp`, meta);
    return { file: out, segments };
  }

  /** The job succeeded: its records are no longer needed (rename, then delete). */
  async finish(): Promise<void> {
    await this.lock.release();
    await removeByRename(this.dir);
  }

  /** The job failed or was interrupted: keep the records for the next `--resume`. */
  async close(): Promise<void> {
    await this.lock.release();
  }
}
