import { WORKER_NODE_FLAGS, WorkerProcess } from '../runner/worker-process.ts';
import { HDFS_USER_ENV, NAMENODE_ENV } from '../fs/webhdfs/config.ts';
import { shellQuote, type SshConnection } from './ssh.ts';

/** Settings a worker needs from the driver's environment (where HDFS is), passed explicitly: SSH does not. */
const FORWARDED_ENV = [NAMENODE_ENV, HDFS_USER_ENV];

/** Start a long-lived worker on a machine: an exec of the shipped bundle speaking the task protocol. */
export async function startRemoteWorker(conn: SshConnection, bundle: string, taskTimeoutMs = 600_000): Promise<WorkerProcess> {
  const workDir = conn.machine.workDir;
  const env = FORWARDED_ENV.filter((k) => process.env[k]).map((k) => `${k}=${shellQuote(process.env[k]!)}`);
  // The shell says hello with its pid before it becomes node (exec keeps the pid), so the worker can be
  // killed even if it never gets as far as its own hello.
  const hello = `printf '{"bsctl":"hello","attemptId":"","pid":%d}\\n' $$`;
  const command = `cd ${shellQuote(workDir)} && ${hello} && exec env ${env.join(' ')} node ${WORKER_NODE_FLAGS.map(shellQuote).join(' ')} ${shellQuote(bundle)}`;
  const channel = await conn.exec(command);
  let worker: WorkerProcess | undefined;
  let exited = false;
  const listeners: ((code: number | null, signal: string | null) => void)[] = [];
  const exit = (code: number | null, signal: string | null): void => {
    if (exited) return;
    exited = true;
    for (const l of listeners) l(code, signal);
  };
  channel.on('exit', (code: number | null, signal?: string) => exit(code ?? null, signal ? (signal.startsWith('SIG') ? signal : `SIG${signal}`) : null));
  channel.on('close', () => exit(null, 'connection closed'));
  // A dropped connection errors the channel; the attempt fails through 'close', never the process.
  channel.on('error', () => exit(null, 'connection error'));
  channel.stderr.on('error', () => {});
  worker = new WorkerProcess({
    stdin: channel,
    stdout: channel,
    stderr: channel.stderr,
    onExit: (l) => listeners.push(l),
    kill: () => {
      // Kill the remote process itself (closing the channel alone may leave it running), and report the
      // exit only once it is dead, so a killed attempt cannot write on after it is counted as ended.
      const pid = worker?.pid;
      if (pid === undefined) return void channel.close();
      void conn
        .run(`kill -9 ${pid} 2>/dev/null; true`)
        .catch(() => {})
        .finally(() => channel.close());
    },
  }, taskTimeoutMs);
  return worker;
}
