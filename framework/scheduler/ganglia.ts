import type { DaemonMetrics } from './metrics.ts';

/** Where and how often the Ganglia sink sends (`--ganglia HOST:PORT`, `--ganglia-period SECONDS`). */
export interface GangliaOptions {
  readonly host: string;
  readonly port: number;
  /** Seconds between sends (Hadoop's *.period, default 10). */
  readonly periodSeconds?: number;
}

export interface GangliaSink {
  stop(): void;
}

/** STUB: sends nothing yet. */
export function startGangliaSink(_metrics: DaemonMetrics, _options: GangliaOptions, _log: (line: string) => void): GangliaSink {
  return { stop: () => {} };
}
