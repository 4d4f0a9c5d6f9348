/**
 * The YARN ResourceManager's REST API (`/ws/v1/cluster/...`), what the YARN runner asks of it: is it up,
 * which queues exist, the application of a step (found by its tag), and killing one. Simple
 * authentication (`user.name`), as Hadoop's own web clients do on a cluster without Kerberos.
 */
export interface YarnApp {
  readonly id: string;
  readonly name: string;
  readonly queue: string;
  readonly state: string;
  readonly finalStatus: string;
  readonly diagnostics: string;
  readonly progress: number;
}

interface QueueInfo {
  readonly queueName: string;
  readonly numActiveApps?: number;
  readonly numPendingApps?: number;
  readonly maxApps?: number;
  readonly childQueues?: { readonly queue?: readonly QueueInfo[] };
}

export interface QueueLoad {
  readonly running?: number;
  readonly pending?: number;
  readonly maxApps?: number;
}

const TIMEOUT_MS = 30_000;

export class ResourceManager {
  constructor(
    /** e.g. http://127.0.0.1:8088 ($BSCTL_YARN_WEB). */
    readonly web: string,
    readonly user: string,
  ) {}

  private async call(method: 'GET' | 'PUT', resource: string, body?: unknown): Promise<unknown> {
    const url = `${this.web.replace(/\/+$/, '')}${resource}${method === 'PUT' ? `${resource.includes('?') ? '&' : '?'}user.name=${encodeURIComponent(this.user)}` : ''}`;
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: { Accept: 'application/json', ...(body ? { 'Content-Type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new Error(`YARN ResourceManager at ${this.web} is unreachable (${cause?.code ?? cause?.message ?? (err as Error).message}): start it (scripts/yarn start) or point $BSCTL_YARN_WEB at its web address`);
    }
    const text = await res.text();
    if (res.status >= 300) throw new Error(`YARN ResourceManager ${method} ${resource}: HTTP ${res.status} ${text.slice(0, 300)}`);
    return text ? (JSON.parse(text) as unknown) : {};
  }

  /** The ResourceManager's version; fails naming the address when it does not answer. */
  async version(): Promise<string> {
    const info = (await this.call('GET', '/ws/v1/cluster/info')) as { clusterInfo?: { resourceManagerVersion?: string; haState?: string } };
    return info.clusterInfo?.resourceManagerVersion ?? 'unknown';
  }

  /** Every queue under root by full name (`root.build`), with what the scheduler reports of it. */
  private async queues(): Promise<Map<string, QueueInfo>> {
    const s = (await this.call('GET', '/ws/v1/cluster/scheduler')) as { scheduler?: { schedulerInfo?: QueueInfo & { rootQueue?: QueueInfo; queueName?: string } } };
    const info = s.scheduler?.schedulerInfo;
    const all = new Map<string, QueueInfo>();
    const walk = (q: QueueInfo | undefined, prefix: string): void => {
      if (!q) return;
      const name = q.queueName.includes('.') || !prefix ? q.queueName : `${prefix}.${q.queueName}`;
      all.set(name, q);
      for (const c of q.childQueues?.queue ?? []) walk(c, name);
    };
    walk(info?.rootQueue ?? info, '');
    return all;
  }

  /** Leaf queues, full names (`root.build`). */
  async leafQueues(): Promise<string[]> {
    return [...(await this.queues())].filter(([, q]) => (q.childQueues?.queue ?? []).length === 0).map(([name]) => name);
  }

  /** A queue's applications and limit (the FairScheduler's numbers; absent where a scheduler has none). */
  async queueLoad(queue: string): Promise<QueueLoad> {
    const q = (await this.queues()).get(queue);
    return { ...(q?.numActiveApps !== undefined ? { running: q.numActiveApps } : {}), ...(q?.numPendingApps !== undefined ? { pending: q.numPendingApps } : {}), ...(q?.maxApps !== undefined ? { maxApps: q.maxApps } : {}) };
  }

  /**
   * The leaf queue `pool` names (`build` or `root.build`), or an error listing the queues: YARN's
   * FairScheduler would place an application naming an unknown queue into default instead.
   */
  async queue(pool: string): Promise<string> {
    const leaves = await this.leafQueues();
    const full = pool.startsWith('root.') ? pool : `root.${pool}`;
    if (leaves.includes(full)) return full;
    // The CapacityScheduler names leaves without root.
    const short = leaves.find((l) => l === pool || l.endsWith(`.${pool}`));
    if (short) return short;
    throw new Error(`--pool ${pool}: the ResourceManager at ${this.web} has no queue ${full} (its queues: ${leaves.join(', ') || 'none'})`);
  }

  /** Applications carrying a tag (YARN keeps tags lowercase). */
  async appsTagged(tag: string): Promise<YarnApp[]> {
    const r = (await this.call('GET', `/ws/v1/cluster/apps?applicationTags=${encodeURIComponent(tag.toLowerCase())}`)) as { apps?: { app?: YarnApp[] } | null };
    return r.apps?.app ?? [];
  }

  async app(id: string): Promise<YarnApp> {
    const r = (await this.call('GET', `/ws/v1/cluster/apps/${encodeURIComponent(id)}`)) as { app: YarnApp };
    return r.app;
  }

  /** Ask for the application to be killed (its containers stop; it ends KILLED). */
  async kill(id: string): Promise<void> {
    await this.call('PUT', `/ws/v1/cluster/apps/${encodeURIComponent(id)}/state`, { state: 'KILLED' });
  }
}
