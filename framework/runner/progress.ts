import type { JobProgress, PhaseProgress } from './options.ts';

/** Per-task values (progress fractions, bytes read) and their sum, kept up to date: O(1) per event. */
class Tally {
  private readonly values: Float64Array;
  sum = 0;
  constructor(n: number) {
    this.values = new Float64Array(n);
  }
  set(i: number, v: number): void {
    this.sum += v - this.values[i]!;
    this.values[i] = v;
  }
}

interface PhaseTally {
  readonly total: number;
  done: number;
  readonly fractions: Tally;
}

const phaseOf = (p: PhaseTally): PhaseProgress => ({ total: p.total, done: p.done, fraction: p.total ? p.fractions.sum / p.total : 1 });

/** The progress of one step of a job (its maps, then its reduces), reported as JobProgress on every change. */
export class StepProgress {
  private readonly map: PhaseTally;
  private readonly reduce: PhaseTally;
  private readonly bytes: Tally;
  /** Bytes the step's maps read, once they are all done (the reduce phase reads no input). */
  private bytesRead: number | undefined;

  constructor(
    private readonly job: { readonly jobId: string; readonly step: number; readonly steps: number; readonly startedAt: number },
    maps: number,
    reduces: number,
    private readonly emit: ((p: JobProgress) => void) | undefined,
  ) {
    this.map = { total: maps, done: 0, fractions: new Tally(maps) };
    this.reduce = { total: reduces, done: 0, fractions: new Tally(reduces) };
    this.bytes = new Tally(maps);
  }

  mapProgress(i: number, fraction: number, bytes: number): void {
    this.map.fractions.set(i, fraction);
    this.bytes.set(i, bytes);
    this.report();
  }

  /** A map finished (`quiet`: counted without a report, e.g. reused by --resume before the phase starts). */
  mapDone(i: number, quiet = false): void {
    this.map.fractions.set(i, 1);
    this.map.done++;
    if (!quiet) this.report();
  }

  mapsFinished(): void {
    this.bytesRead = this.bytes.sum;
  }

  reduceProgress(i: number, fraction: number): void {
    this.reduce.fractions.set(i, fraction);
    this.report();
  }

  reduceDone(i: number): void {
    this.reduce.fractions.set(i, 1);
    this.reduce.done++;
    this.report();
  }

  private report(): void {
    this.emit?.({
      jobId: this.job.jobId,
      step: this.job.step,
      steps: this.job.steps,
      map: phaseOf(this.map),
      reduce: phaseOf(this.reduce),
      bytesRead: this.bytesRead ?? this.bytes.sum,
      elapsedMs: Date.now() - this.job.startedAt,
    });
  }
}
