// The Prometheus text format (what a scraper reads from `/metrics`), parsed for tests.
import parsePrometheusTextFormat from 'parse-prometheus-text-format';

export type Labels = Readonly<Record<string, string>>;

export interface Sample {
  readonly name: string;
  readonly labels: Labels;
  readonly value: number;
}

/**
 * A sample's value: a float, or Inf / NaN in any case (Prometheus reads them with Go's ParseFloat;
 * prom-client writes `Nan`); anything else is no Prometheus text.
 */
function number(v: string | undefined): number {
  if (v !== undefined && /^\+?inf$/i.test(v)) return Infinity;
  if (v !== undefined && /^-inf$/i.test(v)) return -Infinity;
  if (v !== undefined && /^nan$/i.test(v)) return NaN;
  const n = Number(v);
  if (v === undefined || v.trim() === '' || Number.isNaN(n)) throw new Error(`not a Prometheus sample value: ${JSON.stringify(v)}`);
  return n;
}

/**
 * A scrape, read by a Prometheus text-format parser (parse-prometheus-text-format, which throws on what
 * is not the format), flattened into samples as Prometheus stores them (histograms as _bucket, _sum, _count).
 */
export class Scrape {
  readonly samples: Sample[] = [];
  /** `# TYPE name counter|gauge|...` of each family. */
  readonly types = new Map<string, string>();

  constructor(readonly text: string) {
    for (const f of parsePrometheusTextFormat(text)) {
      this.types.set(f.name, f.type.toLowerCase());
      for (const m of f.metrics) {
        const labels = m.labels ?? {};
        if (m.value !== undefined) this.samples.push({ name: f.name, labels, value: number(m.value) });
        for (const [le, v] of Object.entries(m.buckets ?? {})) this.samples.push({ name: `${f.name}_bucket`, labels: { ...labels, le }, value: number(v) });
        for (const [quantile, v] of Object.entries(m.quantiles ?? {})) this.samples.push({ name: f.name, labels: { ...labels, quantile }, value: number(v) });
        if (m.count !== undefined) this.samples.push({ name: `${f.name}_count`, labels, value: number(m.count) });
        if (m.sum !== undefined) this.samples.push({ name: `${f.name}_sum`, labels, value: number(m.sum) });
      }
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
