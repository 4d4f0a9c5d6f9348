// Ganglia 3.1's gmetric packets (gm_protocol.x), XDR-encoded (RFC 4506): what gmond's udp_recv_channel
// reads. A metric is announced by a metadata packet (Ganglia_metadata_msg, id gmetadata_full) and its
// value follows in a value packet (Ganglia_value_msg, id gmetric_string: a printf format and a string).

/** gm_protocol.x's Ganglia_msg_formats used here. */
export const GMETADATA_FULL = 128;
export const GMETRIC_STRING = 133;

/** Ganglia's slopes (ganglia.h's ganglia_slope): how the value moves, for gmetad's RRDs. */
export const SLOPES = { zero: 0, positive: 1, negative: 2, both: 3, unspecified: 4 } as const;
export type GangliaSlope = keyof typeof SLOPES;

/** Largest packet gmond reads (its max_udp_msg_len default: an Ethernet MTU less IP and UDP headers). */
export const MAX_PACKET = 1472;

/** One metric as gmond keeps it (Ganglia_metadata_message). */
export interface GmetricMetadata {
  /** The sending host's name (Ganglia_metric_id.host; gmond files an unspoofed packet under its source address). */
  readonly host: string;
  readonly name: string;
  /** Ganglia's value type: `double`, `float`, `int32`, `uint32`, `string`, ... */
  readonly type: string;
  readonly units: string;
  readonly slope: GangliaSlope;
  /** Seconds between sends at most (gmond's TMAX), and after how long gmond may drop it (0: never). */
  readonly tmax: number;
  readonly dmax: number;
  /** Extra data (Ganglia 3.1's metadata<>), e.g. GROUP. */
  readonly extra?: Readonly<Record<string, string>>;
}

/** An XDR writer: 4-byte big-endian units; strings are a length, the bytes, zero padding to 4. */
class Xdr {
  private readonly parts: Buffer[] = [];

  uint(n: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n >>> 0);
    this.parts.push(b);
    return this;
  }

  bool(v: boolean): this {
    return this.uint(v ? 1 : 0);
  }

  string(s: string): this {
    const bytes = Buffer.from(s, 'utf8');
    this.uint(bytes.length);
    this.parts.push(bytes, Buffer.alloc((4 - (bytes.length % 4)) % 4));
    return this;
  }

  buffer(): Buffer {
    return Buffer.concat(this.parts);
  }
}

/** Ganglia_metric_id: host, name, spoof (false: the host is the packet's sender). */
const metricId = (x: Xdr, host: string, name: string): Xdr => x.string(host).string(name).bool(false);

/** The gmetadata_full packet announcing a metric (gmond ignores values of a metric it has no metadata for). */
export function metadataPacket(m: GmetricMetadata): Buffer {
  const x = metricId(new Xdr().uint(GMETADATA_FULL), m.host, m.name);
  x.string(m.type).string(m.name).string(m.units).uint(SLOPES[m.slope]).uint(m.tmax).uint(m.dmax);
  const extra = Object.entries(m.extra ?? {});
  x.uint(extra.length);
  for (const [k, v] of extra) x.string(k).string(v);
  return x.buffer();
}

/** The gmetric_string packet carrying a value, printed by gmond with the format `%s`. */
export function valuePacket(host: string, name: string, value: string): Buffer {
  return metricId(new Xdr().uint(GMETRIC_STRING), host, name).string('%s').string(value).buffer();
}
