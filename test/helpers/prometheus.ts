// The Prometheus text format (what a scraper reads from `/metrics`), parsed for tests.

export type Labels = Readonly<Record<string, string>>;

export interface Sample {
  readonly name: string;
  readonly labels: Labels;
  readonly value: number;
}

const LINE = /^([A-Za-z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const LABEL = /([A-Za-z_]\w*)="((?:[^"\\]|\\.)*)"/g;

const unescape = (v: string): string => v.replace(/\\(.)/g, (_m, c: string) => (c === 'n' ? '\n' : c));

export class Scrape {
  readonly samples: Sample[] = [];
  /** `# TYPE name counter|gauge|...` lines. */
  readonly types = new Map<string, string>();

  constructor(readonly text: string) {
    for (const line of text.split('\n')) {
      const type = /^# TYPE (\S+) (\S+)$/.exec(line);
      if (type) this.types.set(type[1]!, type[2]!);
      if (line === '' || line.startsWith('#')) continue;
      const m = LINE.exec(line);
      if (!m) throw new Error(`not a Prometheus sample line: ${JSON.stringify(line)}`);
      const labels: Record<string, string> = {};
      for (const l of (m[2] ?? '').matchAll(LABEL)) labels[l[1]!] = unescape(l[2]!);
      const v = m[3]!;
      this.samples.push({ name: m[1]!, labels, value: v === '+Inf' ? Infinity : v === '-Inf' ? -Infinity : Number(v) });
    }
  }

  /** The value of the sample with exactly these labels; undefined when there is none. */
  value(name: string, labels: Labels = {}): number | undefined {
    const want = Object.entries(labels);
    return this.samples.find((s) => s.name === name && Object.keys(s.labels).length === want.length && want.every(([k, v]) => s.labels[k] === v))?.value;
  }

  /** Every sample of a metric. */
  all(name: string): Sample[] {
    return this.samples.filter((s) => s.name === name);
  }
}

/** GET `<url>/metrics` (no token: the endpoint is open, like /scheduler). */
export async function scrape(url: string): Promise<Scrape & { contentType: string }> {
  const res = await fetch(`${url}/metrics`);
  if (res.status !== 200) throw new Error(`GET ${url}/metrics: HTTP ${res.status}: ${await res.text()}`);
  return Object.assign(new Scrape(await res.text()), { contentType: res.headers.get('content-type') ?? '' });
}
