import dgram from 'node:dgram';
import dns from 'node:dns/promises';
import net from 'node:net';
import os from 'node:os';
import { MAX_PACKET, metadataPacket, valuePacket, type GangliaSlope } from './gmetric.ts';
import type { DaemonMetrics, MetricSnapshot } from './metrics.ts';

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

/** One value as gmond gets it. */
export interface GangliaValue {
  readonly name: string;
  readonly value: string;
  readonly slope: GangliaSlope;
  readonly units: string;
}

/** A label value in a Ganglia name: letters, digits, `_:-` (anything else, `.` and `=` too, becomes `_`). */
const labelValue = (v: string | number): string => String(v).replace(/[^A-Za-z0-9_:-]/g, '_');

const unitsOf = (name: string): string => (/_seconds(_total)?$/.test(name) ? 's' : /_bytes(_total)?$|^bsctl_bytes_/.test(name) ? 'bytes' : '');

/**
 * The registry's counters and gauges as Ganglia metrics (histograms and summaries are left out): one
 * per label set, the labels flattened into the name in their declared order, `name.label=value...`
 * (`bsctl_pool_running_slots.pool=research.type=map`). Counters have slope `positive`, gauges `both`.
 */
export function gangliaValues(metrics: readonly MetricSnapshot[]): GangliaValue[] {
  const out: GangliaValue[] = [];
  for (const m of metrics) {
    const type = String(m.type);
    if (type !== 'counter' && type !== 'gauge') continue;
    for (const v of m.values) {
      if (!Number.isFinite(v.value)) continue;
      const labels = Object.entries(v.labels).map(([k, l]) => `.${k}=${labelValue(l ?? '')}`);
      out.push({ name: `${m.name}${labels.join('')}`, value: String(v.value), slope: type === 'counter' ? 'positive' : 'both', units: unitsOf(m.name) });
    }
  }
  return out;
}

/**
 * Hadoop's GangliaSink31 for the daemon: every `periodSeconds` each value goes to gmond's
 * udp_recv_channel as a metadata packet (type double, GROUP bsctl, tmax the larger of 60 s and the
 * period, dmax 0) followed by its value packet. The metadata goes with every value, as Hadoop does: a
 * restarted gmond knows every metric again at the next send. A send error is logged once (until a send
 * succeeds again), never thrown; the socket does not keep the process alive, and stop() closes it.
 */
export function startGangliaSink(metrics: DaemonMetrics, options: GangliaOptions, log: (line: string) => void): GangliaSink {
  const period = options.periodSeconds ?? 10;
  const host = os.hostname();
  const tmax = Math.max(60, Math.ceil(period));
  const target = `${options.host}:${options.port}`;
  const family = net.isIPv6(options.host) ? 6 : 4;
  const socket = dgram.createSocket(family === 6 ? 'udp6' : 'udp4');
  socket.unref();
  let stopped = false;
  let sending = false;
  let failing = false;
  const tooLong = new Set<string>();
  const failed = (err: unknown): void => {
    if (failing || stopped) return;
    failing = true;
    log(`ganglia: sending to ${target} failed: ${err instanceof Error ? err.message : String(err)} (the sink goes on; logged once)`);
  };
  socket.on('error', failed);
  const send = (packet: Buffer, address: string): void => {
    if (stopped) return;
    try {
      socket.send(packet, options.port, address, (err) => (err ? failed(err) : (failing = false)));
    } catch (err) {
      failed(err);
    }
  };
  const sendAll = async (): Promise<void> => {
    if (sending || stopped) return;
    sending = true;
    try {
      const values = gangliaValues(await metrics.snapshot());
      // The host looked up once a round, not once a packet.
      const { address } = await dns.lookup(options.host, { family });
      for (const v of values) {
        const meta = metadataPacket({ host, name: v.name, type: 'double', units: v.units, slope: v.slope, tmax, dmax: 0, extra: { GROUP: 'bsctl' } });
        const value = valuePacket(host, v.name, v.value);
        if (meta.length > MAX_PACKET || value.length > MAX_PACKET) {
          if (!tooLong.has(v.name)) log(`ganglia: ${v.name}: its packet is over ${MAX_PACKET} bytes, not sent`);
          tooLong.add(v.name);
          continue;
        }
        send(meta, address);
        send(value, address);
      }
    } catch (err) {
      failed(err);
    } finally {
      sending = false;
    }
  };
  void sendAll();
  const timer = setInterval(() => void sendAll(), period * 1000);
  timer.unref();
  log(`ganglia: sending the metrics to gmond at ${target} every ${period} s`);
  return {
    stop: () => {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      socket.close();
    },
  };
}
