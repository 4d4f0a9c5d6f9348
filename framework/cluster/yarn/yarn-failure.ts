import { probableCause, TaskFailedError } from '../../runner/diagnose.ts';
import { AttemptFailure } from '../../runner/types.ts';
import type { StreamingFailure } from '../../task/streaming-spec.ts';
import type { StreamingOutcome } from './streaming-client.ts';

/** A step that failed on YARN: the message names the application and the task. */
export class YarnTaskFailed extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'YarnTaskFailed';
  }
}

/** Hadoop's task id of an attempt id: attempt_1_2_m_000003_0 → task_1_2_m_000003. */
function taskOf(attemptId: string): string {
  return attemptId.replace(/^attempt_/, 'task_').replace(/_\d+$/, '');
}

/** Why an attempt the client reported failed when bsctl's task never ran (or never said why). */
function clientCause(error: string, node: string): string {
  if (/Cannot run program/.test(error)) return `the NodeManager could not run ${node} (${/error=\d+, (.*)/.exec(error)?.[1] ?? 'not found'}): install Node.js 20+ on every NodeManager, or set --conf bsctl.yarn.node=/path/to/node`;
  const code = /subprocess failed with code (\d+)/.exec(error)?.[1];
  if (code === '127') return `the NodeManager could not run ${node} (exit code 127: command not found): install Node.js 20+ on every NodeManager, or set --conf bsctl.yarn.node=/path/to/node`;
  if (code === '137') return 'the task was killed (exit code 137: SIGKILL), usually by YARN for using more memory than its container: raise --conf mapreduce.map.memory.mb / mapreduce.reduce.memory.mb or lower --sort-mb';
  if (/beyond (physical|virtual) memory limits/.test(error)) return 'YARN killed the container for its memory: raise --conf mapreduce.map.memory.mb / mapreduce.reduce.memory.mb or lower --sort-mb';
  if (code) return `the task's process exited with code ${code} before bsctl's task could report (see the application's logs: yarn logs -applicationId ...)`;
  return 'see the error above and the application\'s logs (yarn logs -applicationId ...)';
}

/**
 * The error of a failed step: the last recorded failure of the task that failed (its error, stderr
 * tail and probable cause, as the local runner reports them), else what the client reported.
 */
export function yarnFailure(appId: string | undefined, outcome: StreamingOutcome, recorded: readonly StreamingFailure[], deterministic: StreamingFailure | undefined, jobModule: string, node: string, logs = ''): Error {
  const app = appId ?? 'the YARN application';
  const failedTask = /Task failed (task_\S+)/.exec(outcome.jobFailure ?? '')?.[1];
  const ofTask = (f: { attemptId: string }): boolean => !failedTask || taskOf(f.attemptId) === failedTask;
  const last = deterministic ?? [...recorded].filter(ofTask).sort((a, b) => a.attemptId.localeCompare(b.attemptId)).at(-1) ?? recorded.at(-1);
  if (last) {
    const attempts = deterministic ? 1 : recorded.filter((r) => taskOf(r.attemptId) === taskOf(last.attemptId)).length;
    const e = new AttemptFailure(last.attemptId, last.error.message, last.stderrTail, last.error.name, last.error.stack, undefined, last.error.deterministic);
    const what = `${last.type} ${last.taskIndex} (${taskOf(last.attemptId)} on ${last.host})`;
    const tfe = new TaskFailedError(what, attempts, e, probableCause(e, jobModule));
    return new YarnTaskFailed(`${app}: ${tfe.message}${deterministic ? `\n${app} was killed: not retried` : ''}`);
  }
  // bsctl's task never ran (or never said why): the ApplicationMaster's log has each attempt's error.
  const reports = [...logs.matchAll(/Diagnostics report from (attempt_\S+): (.*)/g)].map((m) => ({ attemptId: m[1]!, error: m[2]!.trim() })).filter((r) => r.error !== '');
  const rootCause = /Caused by: java\.io\.IOException: (Cannot run program .*)/.exec(logs)?.[1] ?? /(subprocess failed with code \d+)/.exec(logs)?.[1] ?? /(Container .* is running beyond (physical|virtual) memory limits.*)/.exec(logs)?.[1];
  const client = [...reports, ...outcome.taskErrors].filter(ofTask).at(-1) ?? outcome.taskErrors.at(-1);
  if (client) {
    if (rootCause) {
      const n = new Set([...reports, ...outcome.taskErrors].filter((t) => taskOf(t.attemptId) === taskOf(client.attemptId)).map((t) => t.attemptId)).size;
      return new YarnTaskFailed(`${app}: task ${taskOf(client.attemptId)} failed ${n === 1 ? 'once' : `${n} times`}; last error: ${client.error}: ${rootCause}\nprobable cause: ${clientCause(rootCause, node)}`);
    }
    const n = outcome.taskErrors.filter((t) => taskOf(t.attemptId) === taskOf(client.attemptId)).length;
    return new YarnTaskFailed(`${app}: task ${taskOf(client.attemptId)} failed ${n === 1 ? 'once' : `${n} times`}; last error: ${client.error}\nprobable cause: ${clientCause(client.error, node)}`);
  }
  const why = outcome.jobFailure ?? `the Hadoop Streaming client exited with code ${outcome.code}`;
  return new YarnTaskFailed(`${app} failed: ${why}\n--- end of the Streaming client's log ---\n${outcome.logTail}`);
}
