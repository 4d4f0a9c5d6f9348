import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { checkSimpleName } from '../fs/names.ts';
import type { ScheduleRun, ScheduleSpec } from './schedule-types.ts';

/** Runs of a schedule kept in its record (newest last); older ones go, their logs with them. */
export const SCHEDULE_MAX_RUNS = 100;

/** Write a file whole or not at all: a temporary file, then a rename. */
function writeAtomic(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  fs.writeFileSync(tmp, text, { mode: 0o600 });
  fs.renameSync(tmp, file);
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`${file}: ${(err as Error).message}`);
  }
}

/**
 * The daemon's schedules on disk: `<state dir>/schedules.json` (the specs) and, per schedule,
 * `<state dir>/schedules/<name>/runs.json` (its runs) beside each run's log. Names are checked before
 * they become paths.
 */
export class ScheduleStore {
  readonly file: string;
  readonly dir: string;

  constructor(stateDir: string) {
    this.file = path.join(stateDir, 'schedules.json');
    this.dir = path.join(stateDir, 'schedules');
  }

  loadSpecs(): ScheduleSpec[] {
    const raw = readJson(this.file);
    if (raw === undefined) return [];
    if (!Array.isArray(raw)) throw new Error(`${this.file}: not a list of schedules`);
    return raw as ScheduleSpec[];
  }

  saveSpecs(specs: readonly ScheduleSpec[]): void {
    writeAtomic(this.file, `${JSON.stringify(specs, null, 1)}\n`);
  }

  private runsFile(name: string): string {
    return path.join(this.dir, checkSimpleName(name, 'schedule'), 'runs.json');
  }

  /** Where a run's output goes. */
  logFile(name: string, runId: string): string {
    return path.join(this.dir, checkSimpleName(name, 'schedule'), `${checkSimpleName(runId, 'run')}.log`);
  }

  /** A schedule's runs; a file that does not parse is set aside (renamed, never deleted) with a warning naming it. */
  loadRuns(name: string, warn: (line: string) => void): ScheduleRun[] {
    const file = this.runsFile(name);
    try {
      const raw = readJson(file);
      if (raw === undefined) return [];
      if (!Array.isArray(raw)) throw new Error(`${file}: not a list of runs`);
      return raw as ScheduleRun[];
    } catch (err) {
      const aside = `${file}.corrupt-${Date.now()}`;
      fs.renameSync(file, aside);
      warn(`warning: schedule ${name}: ${(err as Error).message}; set aside as ${aside}, its runs start afresh`);
      return [];
    }
  }

  /** Whether a run's log exists (run ids are never reused). */
  logExists(name: string, runId: string): boolean {
    return fs.existsSync(this.logFile(name, runId));
  }

  /** Save the runs, keeping the newest SCHEDULE_MAX_RUNS (never one still running); the logs of runs dropped are removed. */
  saveRuns(name: string, runs: ScheduleRun[]): void {
    let over = runs.length - SCHEDULE_MAX_RUNS;
    const dropped: ScheduleRun[] = [];
    for (let i = 0; over > 0 && i < runs.length; ) {
      if (runs[i]!.outcome === 'running') i++;
      else {
        dropped.push(...runs.splice(i, 1));
        over--;
      }
    }
    writeAtomic(this.runsFile(name), `${JSON.stringify(runs, null, 1)}\n`);
    for (const r of dropped) fs.rmSync(this.logFile(name, r.runId), { force: true });
  }

  /** A removed schedule's runs and logs: renamed aside, then deleted (only what bsctl wrote there). */
  removeRuns(name: string): void {
    const dir = path.dirname(this.runsFile(name));
    if (!fs.existsSync(dir)) return;
    const aside = `${dir}.removed-${randomBytes(4).toString('hex')}`;
    fs.renameSync(dir, aside);
    for (const f of fs.readdirSync(aside)) if (f === 'runs.json' || f.endsWith('.log')) fs.rmSync(path.join(aside, f), { force: true });
    try {
      fs.rmdirSync(aside);
    } catch {
      // something else was put there: left as it is
    }
  }
}
