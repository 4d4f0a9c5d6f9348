import { Cron } from 'croner';
import { checkSimpleName } from '../fs/names.ts';
import { adoptRun, finishRun, launchRun, type RunTarget } from './schedule-run.ts';
import { ScheduleStore } from './schedule-store.ts';
import type { ScheduleRun, ScheduleSpec, ScheduleView } from './schedule-types.ts';

/** A missed fire time is run at start-up when at most this old (`--schedule-grace`, default 1 h). */
export const DEFAULT_GRACE_MS = 3_600_000;

export interface SchedulesOptions {
  readonly stateDir: string;
  readonly historyDir: string;
  readonly graceMs?: number;
  readonly log: (line: string) => void;
  /** Told of every run as it starts or is skipped (the metrics' lateness). */
  readonly onRun?: (run: ScheduleRun) => void;
}

/** A cron expression read by croner in a time zone, or a clear error naming the flag. */
export function cronOf(expr: string, tz?: string): Cron {
  if (tz !== undefined) {
    try {
      new Intl.DateTimeFormat('en', { timeZone: tz });
    } catch {
      throw new Error(`--tz: unknown time zone ${JSON.stringify(tz)} (an IANA name like Asia/Shanghai or UTC)`);
    }
  }
  try {
    return new Cron(expr, { paused: true, mode: '5-or-6-parts', ...(tz ? { timezone: tz } : {}) });
  } catch (err) {
    throw new Error(`--cron: ${JSON.stringify(expr)} is not a cron expression (5 fields: minute hour day month weekday, or 6 with seconds first): ${(err as Error).message}`);
  }
}

/** 3 s, 5 min, 2.5 h, 3 d. */
const human = (ms: number): string => (ms < 120_000 ? `${Math.round(ms / 1000)} s` : ms < 7_200_000 ? `${Math.round(ms / 60_000)} min` : ms < 172_800_000 ? `${(ms / 3_600_000).toFixed(1)} h` : `${Math.round(ms / 86_400_000)} d`);

const stamp = (t: number): string => new Date(t).toISOString().replace(/[-:T]/g, '').slice(0, 14);

interface Entry {
  spec: ScheduleSpec;
  readonly cron: Cron;
  /** The clock's timer (croner's), absent when paused. */
  timer: Cron | undefined;
  readonly runs: ScheduleRun[];
  /** The run under way (a child of this daemon, or one a previous daemon left running), until it ends. */
  active: { readonly run: ScheduleRun; readonly stop: () => void; readonly done: Promise<void> } | undefined;
}

/**
 * The daemon's scheduled builds: each schedule's cron fires a `bsctl run ...` in a child process (see
 * schedule-run.ts), never two of one schedule at once (the overlapping fire is skipped and recorded);
 * schedules and their runs persist in the state dir, and a fire missed while the daemon was down is run
 * once at start-up, late, when within the grace window (else recorded as skipped).
 */
export class Schedules {
  private readonly store: ScheduleStore;
  private readonly entries = new Map<string, Entry>();
  /** Runs under way of schedules removed meanwhile (close() stops and awaits them too). */
  private readonly orphans = new Map<string, NonNullable<Entry['active']>>();
  private target: RunTarget | undefined;
  private closed = false;

  constructor(private readonly options: SchedulesOptions) {
    this.store = new ScheduleStore(options.stateDir);
  }

  private get graceMs(): number {
    return this.options.graceMs ?? DEFAULT_GRACE_MS;
  }

  /**
   * Read the schedules and their runs, before the daemon listens: a schedules.json that does not parse,
   * or a schedule whose expression no longer does, is an error naming the file and the schedule; a
   * corrupt runs.json is set aside with a warning. Nothing runs yet.
   */
  load(): void {
    for (const spec of this.store.loadSpecs()) {
      let cron: Cron;
      try {
        cron = cronOf(spec.cron, spec.tz);
      } catch (err) {
        throw new Error(`${this.store.file}: schedule ${spec.name}: ${(err as Error).message}`);
      }
      const runs = this.store.loadRuns(spec.name, this.options.log);
      this.entries.set(spec.name, { spec, cron, timer: undefined, runs, active: undefined });
    }
  }

  /** Once the daemon listens: settle or adopt runs a previous daemon left, catch up missed fires, arm the clocks. */
  start(target: RunTarget): void {
    this.target = target;
    for (const e of this.entries.values()) {
      for (const r of e.runs.filter((x) => x.outcome === 'running')) {
        const adopted = adoptRun(r);
        if (adopted) this.follow(e, r, adopted.stop, adopted.ended);
        else {
          r.outcome = 'failed';
          r.end = Date.now();
          r.reason = 'the scheduler daemon stopped during this run';
        }
      }
      this.save(e);
      if (!e.spec.paused) this.catchUp(e);
      this.arm(e);
    }
  }

  /** The latest fire time before now that no run stands for: run it late within the grace window, else record it skipped. */
  private catchUp(e: Entry): void {
    const last = e.cron.previousRuns(1, new Date())[0]?.getTime();
    // Fires before the schedule was added or last resumed were never due; those with a run record happened.
    const covered = Math.max(e.spec.createdAt, e.spec.resumedAt ?? 0, ...e.runs.map((r) => r.scheduledFor));
    if (last === undefined || last <= covered) return;
    const ago = Date.now() - last;
    if (ago <= this.graceMs) return void this.fire(e, last, 'catch-up');
    this.record(e, this.newRun(e, last, 'catch-up', { outcome: 'skipped', late: false, reason: `missed while the scheduler daemon was down (${human(ago)} ago, beyond the ${human(this.graceMs)} grace window)` }));
  }

  private arm(e: Entry): void {
    e.timer?.stop();
    e.timer = undefined;
    if (e.spec.paused || this.closed || !this.target) return;
    const options = { mode: '5-or-6-parts' as const, unref: true, catch: (err: unknown) => this.options.log(`schedule ${e.spec.name}: ${(err as Error).message}`), ...(e.spec.tz ? { timezone: e.spec.tz } : {}) };
    e.timer = new Cron(e.spec.cron, options, () => {
      // The run stands for the fire time it answers, even when the callback comes late (a busy machine):
      // croner's currentRun() is when it called back, not the time it was due, so the due time is
      // the expression's latest time up to now.
      const now = Date.now();
      const at = e.cron.previousRuns(1, new Date(now + 1))[0]?.getTime() ?? Math.round(now / 1000) * 1000;
      this.fire(e, at, 'cron');
    });
  }

  private newRun(e: Entry, scheduledFor: number, trigger: ScheduleRun['trigger'], extra: Partial<ScheduleRun> = {}): ScheduleRun {
    const base = `run_${e.spec.name}_${stamp(Date.now())}`;
    let runId = base;
    for (let i = 2; e.runs.some((r) => r.runId === runId) || this.store.logExists(e.spec.name, runId); i++) runId = `${base}_${i}`;
    return { schedule: e.spec.name, runId, scheduledFor, start: Date.now(), outcome: 'running', late: trigger === 'catch-up', trigger, jobIds: [], log: this.store.logFile(e.spec.name, runId), ...extra };
  }

  private save(e: Entry): void {
    try {
      this.store.saveRuns(e.spec.name, e.runs);
    } catch (err) {
      this.options.log(`schedule ${e.spec.name}: its runs could not be saved: ${(err as Error).message}`);
    }
  }

  private record(e: Entry, run: ScheduleRun): void {
    e.runs.push(run);
    this.save(e);
    this.options.onRun?.(run);
    if (run.outcome === 'skipped') this.options.log(`schedule ${e.spec.name}: skipped the run for ${new Date(run.scheduledFor).toISOString()}: ${run.reason}`);
  }

  /** Follow a run under way to its end: its outcome, its record saved. */
  private follow(e: Entry, run: ScheduleRun, stop: () => void, ended: Promise<{ code: number | null; signal: string | null; error?: string }>): void {
    const done = ended
      .then((exit) => finishRun(run, exit, this.options.historyDir))
      .catch((err: unknown) => {
        run.outcome = 'failed';
        run.reason = (err as Error).message;
      })
      .finally(() => {
        run.end ??= Date.now();
        if (this.entries.get(e.spec.name) === e) {
          e.active = undefined;
          this.save(e);
        } else this.orphans.delete(run.runId);
        this.options.log(`schedule ${e.spec.name}: ${run.runId} ${run.outcome}${run.reason ? `: ${run.reason}` : ''}`);
      });
    e.active = { run, stop, done };
  }

  /** Run the schedule for fire time `at`, unless a run of it is still going (then that fire is skipped). */
  private fire(e: Entry, at: number, trigger: ScheduleRun['trigger']): ScheduleRun {
    if (e.active) {
      const skipped = this.newRun(e, at, trigger, { outcome: 'skipped', late: false, reason: `the previous run ${e.active.run.runId} is still running` });
      this.record(e, skipped);
      return skipped;
    }
    const run = this.newRun(e, at, trigger);
    this.record(e, run);
    this.options.log(`schedule ${e.spec.name}: ${run.runId} started (${trigger}${run.late ? `, late by ${Math.round((run.start - at) / 1000)} s` : ''}): bsctl ${e.spec.args.join(' ')}`);
    try {
      const { child, exited } = launchRun(e.spec, run, this.target!);
      this.follow(e, run, () => child.kill('SIGTERM'), exited);
      this.save(e); // with its pid: a restarted daemon finds it
    } catch (err) {
      run.outcome = 'failed';
      run.end = Date.now();
      run.reason = `cannot start the run (log ${run.log}): ${(err as Error).message}`;
      this.save(e);
      this.options.log(`schedule ${e.spec.name}: ${run.runId} failed: ${run.reason}`);
    }
    return run;
  }

  private entry(name: string): Entry {
    const e = this.entries.get(name);
    if (!e) throw new ScheduleError(404, `no schedule ${JSON.stringify(name)} (see bsctl schedule ls)`);
    return e;
  }

  private saveSpecs(): void {
    this.store.saveSpecs([...this.entries.values()].map((e) => e.spec));
  }

  add(spec: Omit<ScheduleSpec, 'createdAt' | 'paused' | 'resumedAt'> & { paused?: boolean }): ScheduleView {
    checkSimpleName(spec.name, 'schedule add: NAME');
    if (this.entries.has(spec.name)) throw new ScheduleError(409, `schedule ${spec.name} exists already (bsctl schedule rm ${spec.name} first)`);
    const orphan = [...this.orphans.values()].find((o) => o.run.schedule === spec.name);
    if (orphan) throw new ScheduleError(409, `schedule ${spec.name} was removed while its run ${orphan.run.runId} was going; add it again once that run has ended`);
    const full: ScheduleSpec = { ...spec, paused: spec.paused ?? false, createdAt: Date.now() };
    const e: Entry = { spec: full, cron: cronOf(full.cron, full.tz), timer: undefined, runs: [], active: undefined };
    this.entries.set(full.name, e);
    this.saveSpecs();
    this.arm(e);
    this.options.log(`schedule ${full.name} added: ${full.cron}${full.tz ? ` (${full.tz})` : ''} → bsctl ${full.args.join(' ')}`);
    return this.view(e);
  }

  /** Remove a schedule (a run under way goes on to its end); its run records and logs go. */
  remove(name: string): void {
    const e = this.entry(name);
    e.timer?.stop();
    this.entries.delete(name);
    this.saveSpecs();
    const active = e.active;
    if (active) {
      this.orphans.set(active.run.runId, active);
      void active.done.then(() => this.store.removeRuns(name));
    } else this.store.removeRuns(name);
    this.options.log(`schedule ${name} removed`);
  }

  pause(name: string, paused: boolean): ScheduleView {
    const e = this.entry(name);
    // Fires while paused were not due: a restart after resuming does not catch them up.
    e.spec = { ...e.spec, paused, ...(paused ? {} : { resumedAt: Date.now() }) };
    this.saveSpecs();
    this.arm(e);
    this.options.log(`schedule ${name} ${paused ? 'paused' : 'resumed'}`);
    return this.view(e);
  }

  /** Run now (also when paused); skipped, like a clock fire, while a run is going. */
  runNow(name: string): ScheduleRun {
    return this.fire(this.entry(name), Date.now(), 'run-now');
  }

  private view(e: Entry): ScheduleView {
    const next = e.spec.paused ? undefined : e.cron.nextRun()?.getTime();
    return { ...e.spec, nextRun: next, lastRun: e.runs.at(-1), running: e.active !== undefined };
  }

  list(): ScheduleView[] {
    return [...this.entries.values()].map((e) => this.view(e)).sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  runs(name: string): readonly ScheduleRun[] {
    return this.entry(name).runs;
  }

  /** Stop the clocks; runs under way (removed schedules' too) are asked to stop (SIGTERM: bsctl run publishes nothing) and awaited. */
  async close(): Promise<void> {
    this.closed = true;
    const active = [...this.orphans.values()];
    for (const e of this.entries.values()) {
      e.timer?.stop();
      if (e.active) active.push(e.active);
    }
    for (const a of active) a.stop();
    await Promise.all(active.map((a) => a.done));
  }
}

/** A schedule request the daemon refuses, with its HTTP status. */
export class ScheduleError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}
