import type http from 'node:http';
import type { SubmittedJob } from '../submitted-job.ts';
import type { ScheduleView } from '../schedule-types.ts';
import type { SchedulerStatus } from '../status.ts';

/** What the web UI reads and may do; the daemon provides it. */
export interface WebContext {
  readonly token: string;
  readonly status: () => SchedulerStatus;
  /** Jobs the daemon ran or runs (the last 200 ended ones), by id. */
  readonly job: (id: string) => SubmittedJob | undefined;
  readonly historyDir: string;
  readonly schedules: () => readonly ScheduleView[];
  readonly kill: (jobId: string) => boolean;
  readonly runNow: (schedule: string) => Promise<void>;
  readonly pause: (schedule: string, paused: boolean) => Promise<void>;
}

/** The web UI's routes. STUB: handles nothing yet. */
export interface WebUi {
  /** True when the request carries a valid UI session cookie. */
  hasSession(req: http.IncomingMessage): boolean;
  /** Serve the request if it is one of the UI's (returns true), else false. */
  handle(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<boolean>;
}

export function webUi(_ctx: WebContext): WebUi {
  return { hasSession: () => false, handle: async () => false };
}
