import { spawnSync } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { ROOT } from './cli.ts';

// A real gmond (scripts/gmond: Debian's ganglia-monitor on loopback) and what it says in its XML.

export interface Gmond {
  readonly env: Readonly<Record<string, string>>;
  readonly host: string;
  /** Its udp_recv_channel (gmetric packets in) and tcp_accept_channel (its XML out). */
  readonly udpPort: number;
  readonly tcpPort: number;
}

/** One METRIC element of gmond's XML. */
export interface GmondMetric {
  readonly name: string;
  readonly val: string;
  readonly type: string;
  readonly units: string;
  readonly slope: string;
  readonly tmax: number;
  readonly dmax: number;
  readonly extra: Readonly<Record<string, string>>;
}

/** `scripts/gmond ARGS` with the test's settings; throws with its stderr when it fails. */
export function gmondScript(env: Readonly<Record<string, string>>, ...args: string[]): string {
  const r = spawnSync(path.join(ROOT, 'scripts/gmond'), args, { encoding: 'utf8', env: { ...process.env, ...env } });
  if (r.status !== 0) throw new Error(`scripts/gmond ${args.join(' ')} failed (${r.status}): ${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** Start a gmond in `dir` (ports from $BSCTL_GMOND_PORT_BASE, default 18650); a missing gmond is an error, not a skip. */
export function startGmond(dir: string): Gmond {
  if (spawnSync('sh', ['-c', 'command -v gmond'], { encoding: 'utf8' }).status !== 0) {
    throw new Error('gmond is not installed: the Ganglia sink is tested against a real gmond; install it with `apt-get install ganglia-monitor` (the suite runner installs it)');
  }
  const env = { BSCTL_GMOND_DIR: dir, ...(process.env.BSCTL_GMOND_PORT_BASE ? { BSCTL_GMOND_PORT_BASE: process.env.BSCTL_GMOND_PORT_BASE } : {}) };
  gmondScript(env, 'start');
  const vars = Object.fromEntries([...gmondScript(env, 'env').matchAll(/^export (\w+)=(\S+)$/gm)].map((m) => [m[1]!, m[2]!]));
  return { env, host: vars.BSCTL_GMOND_HOST!, udpPort: Number(vars.BSCTL_GMOND_UDP_PORT), tcpPort: Number(vars.BSCTL_GMOND_TCP_PORT) };
}

/** gmond's XML dump: it writes it to whoever connects to its TCP port, then closes. */
export function gmondXml(g: Gmond): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const c = net.connect(g.tcpPort, g.host);
    c.setTimeout(5000, () => c.destroy(new Error(`gmond on ${g.host}:${g.tcpPort} sent no XML within 5 s`)));
    c.on('data', (d: Buffer) => chunks.push(d));
    c.on('end', () => resolve(Buffer.concat(chunks).toString('latin1')));
    c.on('error', reject);
  });
}

const attrs = (s: string): Record<string, string> => Object.fromEntries([...s.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!.replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&')]));

/** Every METRIC of every HOST, by name. */
export function gmondMetrics(xml: string): Map<string, GmondMetric> {
  const out = new Map<string, GmondMetric>();
  for (const m of xml.matchAll(/<METRIC ([^>]*?)\/?>([\s\S]*?<\/METRIC>)?/g)) {
    const a = attrs(m[1]!);
    const extra = Object.fromEntries([...(m[2] ?? '').matchAll(/<EXTRA_ELEMENT ([^>]*?)\/>/g)].map((e) => attrs(e[1]!)).map((e) => [e.NAME!, e.VAL!]));
    out.set(a.NAME!, { name: a.NAME!, val: a.VAL!, type: a.TYPE!, units: a.UNITS ?? '', slope: a.SLOPE ?? '', tmax: Number(a.TMAX), dmax: Number(a.DMAX), extra });
  }
  return out;
}
