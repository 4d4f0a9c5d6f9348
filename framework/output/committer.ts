import { currentOwner } from '../fs/owner.ts';
import { absolutePath, fileSystemFor, joinPath, splitPath } from '../fs/resolve.ts';
import { writeSmallFile } from '../fs/small-file.ts';
import type { FileSystem } from '../fs/types.ts';
import { looksLikeBsctlOutput } from './output-guard.ts';
import { OWNER_FILE } from './stale.ts';

/**
 * Hadoop's FileOutputCommitter (v1), made atomic at the job level: the whole job is staged in a hidden
 * sibling of the output dir (`.<name>.bsctl-<jobId>`); attempts write under its `_temporary/<attempt>`;
 * commitTask promotes an attempt's files; commitJob writes `_SUCCESS` and renames the staging dir to the
 * output dir. Until then nothing is visible at the output path, and an existing output is only replaced
 * (with `overwrite`, and only when it is a previous bsctl output unless `force`) at that final rename.
 * The staging dir holds an owner record (host, pid, start time) so that `bsctl gc` and later runs can
 * tell the staging of a killed run from that of a live one.
 */
export class FileOutputCommitter {
  readonly staging: string;
  private readonly fs: FileSystem;
  private readonly parent: string;
  private readonly name: string;

  readonly outputDir: string;

  constructor(
    outputDir: string,
    readonly jobId: string,
    private readonly overwrite = false,
    private readonly force = false,
  ) {
    this.outputDir = absolutePath(outputDir);
    this.fs = fileSystemFor(outputDir);
    const { parent, name } = splitPath(this.outputDir);
    this.parent = parent;
    this.name = name;
    this.staging = joinPath(parent, `.${name}.bsctl-${jobId}`);
  }

  /** Refuses an existing output unless overwrite. */
  async checkOutput(): Promise<void> {
    if (!this.overwrite && (await this.fs.stat(this.outputDir))) {
      throw new Error(`output directory ${this.outputDir} already exists (use --overwrite to replace it)`);
    }
  }

  /** Checks the output and creates the staging area, owner record first. */
  async setupJob(): Promise<void> {
    await this.checkOutput();
    await writeSmallFile(joinPath(this.staging, OWNER_FILE), `${JSON.stringify(currentOwner(this.jobId))}\n`);
    await this.fs.mkdirs(joinPath(this.staging, '_temporary'));
  }

  attemptDir(attemptId: string): string {
    return joinPath(this.staging, '_temporary', attemptId);
  }

  /** Move the attempt's files into the job's staging root. */
  async commitTask(attemptId: string): Promise<void> {
    const dir = this.attemptDir(attemptId);
    const st = await this.fs.stat(dir);
    if (!st) return; // the attempt wrote nothing
    for (const f of await this.fs.list(dir)) {
      const target = joinPath(this.staging, splitPath(f.path).name);
      await this.fs.delete(target); // a committed file of an earlier, lost commit
      await this.fs.rename(f.path, target);
    }
    await this.fs.delete(dir);
  }

  async abortTask(attemptId: string): Promise<void> {
    await this.fs.delete(this.attemptDir(attemptId));
  }

  /** Publish: `_SUCCESS` last inside staging, then one rename makes the output visible. */
  async commitJob(): Promise<void> {
    await this.fs.delete(joinPath(this.staging, '_temporary'));
    const success = this.fs.create(joinPath(this.staging, '_SUCCESS'));
    await new Promise<void>((resolve, reject) => {
      success.on('error', reject);
      success.end((err?: Error | null) => (err ? reject(err) : resolve()));
    });
    const previous = await this.fs.stat(this.outputDir);
    const old = joinPath(this.parent, `.${this.name}.bsctl-old-${this.jobId}`);
    if (previous) {
      if (!this.overwrite) throw new Error(`output directory ${this.outputDir} appeared during the job; not replacing it`);
      // Checked again at the last moment: what is there now must still be a previous bsctl output.
      if (!this.force && !(await looksLikeBsctlOutput(this.outputDir))) {
        throw new Error(`output directory ${this.outputDir} is no longer a previous bsctl output; not replacing it`);
      }
      await this.fs.rename(this.outputDir, old);
    }
    try {
      await this.fs.rename(this.staging, this.outputDir);
    } catch (err) {
      if (previous) await this.fs.rename(old, this.outputDir);
      throw err;
    }
    if (previous) await this.fs.delete(old);
    await this.fs.delete(joinPath(this.outputDir, OWNER_FILE));
  }

  async abortJob(): Promise<void> {
    await this.fs.delete(this.staging);
  }
}
