import { attemptEnded, type KillCause } from '../runner/types.ts';
import { attemptLogFile } from '../runner/userlogs.ts';
import type { WorkerProcess } from '../runner/worker-process.ts';
import type { Segment } from '../shuffle/segment.ts';
import type { MapTaskSpec, ReduceTaskSpec, TaskResult, TaskSpec } from '../task/spec.ts';
import type { WorkerBundle } from './bundle.ts';
import type { ClusterHosts, Host } from './hosts.ts';
import { fetchSegments } from './shuffle-fetch.ts';

/** Everything one attempt on a machine needs, as plain values (no scheduler, no job object). */
export interface RemoteAttempt {
  readonly spec: TaskSpec;
  /** The machine the scheduler gave the attempt. */
  readonly host: Host;
  readonly hosts: ClusterHosts;
  /** The job's worker bundle (built once per job). */
  readonly bundle: Promise<WorkerBundle>;
  readonly taskTimeoutMs: number;
  /** Root of the per-attempt stderr logs (userlogs/<job>/<attempt>.stderr). */
  readonly userLogDir: string;
  /** The machine holding a map output file (a reduce fetches from there). */
  readonly outputHost: (file: string) => Host | undefined;
  /** A copy of a reduce's segment already on this machine (the early shuffle), if there is one. */
  readonly copied?: (taskIndex: number, seg: Segment, h: Host) => Promise<Segment | undefined>;
  /** Aborts a reduce's fetch when the attempt is killed. */
  readonly signal: AbortSignal;
  /** Why the attempt was killed meanwhile, if it was (checked before the worker runs it). */
  readonly killed: () => KillCause;
  /** The worker the attempt runs on (so a kill can reach it). */
  readonly onWorker: (w: WorkerProcess) => void;
  readonly progress: (fraction: number, bytes: number) => void;
}

/**
 * Run an attempt on its machine: a map spills into the job's dir there; a reduce first fetches its
 * segments (or finds the early shuffle's copies); then a pooled worker runs it and is given back.
 */
export async function runRemoteAttempt(a: RemoteAttempt): Promise<TaskResult> {
  const { spec, host: h, hosts } = a;
  const remote: TaskSpec =
    spec.type === 'map'
      ? // There each attempt keeps its own dir and map output file: the shuffle, the lost-map bookkeeping
        // and the clean-up of dead jobs' dirs go by attempt.
        ({ ...spec, spillDir: `${hosts.jobDir(h, spec.jobId)}/${spec.attemptId}`, spillPrefix: '', outputLog: false } satisfies MapTaskSpec)
      : ({ ...spec, segments: await fetchSegments(hosts, h, spec, a.outputHost, a.signal, async (_i, seg) => a.copied?.(spec.taskIndex, seg, h)) } satisfies ReduceTaskSpec);
  const check = (): void => {
    const kill = a.killed();
    if (kill) throw attemptEnded(spec.attemptId, undefined, kill);
  };
  check();
  const { worker, key } = await hosts.worker(h, a.bundle, a.taskTimeoutMs);
  try {
    check();
    a.onWorker(worker);
    return await worker.run(remote, a.progress, undefined, attemptLogFile(a.userLogDir, spec.jobId, spec.attemptId));
  } finally {
    // A task that failed leaves a healthy worker; a killed or crashed one has exited.
    if (!worker.exited && !worker.busy) hosts.idleWorker(h, key, worker);
  }
}
