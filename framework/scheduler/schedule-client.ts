import { request } from './client.ts';
import type { ScheduleAddRequest } from './schedule-routes.ts';
import type { ScheduleRun, ScheduleView } from './schedule-types.ts';

/** The daemon's schedule API, for `bsctl schedule` (every call carries the token of `stateDir`). */
export class ScheduleClient {
  constructor(
    private readonly url: string,
    private readonly stateDir: string,
  ) {}

  private async call<T>(pathname: string, method = 'GET', body?: unknown): Promise<T> {
    const res = await request(`${this.url}${pathname}`, { method, ...(method === 'POST' ? { body: JSON.stringify(body ?? {}) } : {}) }, 10_000, this.stateDir);
    return (await res.json()) as T;
  }

  async list(): Promise<ScheduleView[]> {
    return (await this.call<{ schedules: ScheduleView[] }>('/schedules')).schedules;
  }

  add(spec: ScheduleAddRequest): Promise<ScheduleView> {
    return this.call('/schedules', 'POST', spec);
  }

  async runs(name: string): Promise<ScheduleRun[]> {
    return (await this.call<{ runs: ScheduleRun[] }>(`/schedules/${encodeURIComponent(name)}/runs`)).runs;
  }

  act(name: string, action: 'remove' | 'pause' | 'resume' | 'run-now'): Promise<unknown> {
    return this.call(`/schedules/${encodeURIComponent(name)}/${action}`, 'POST');
  }
}
