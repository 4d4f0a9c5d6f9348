import { WORKER_NODE_FLAGS, WorkerProcess } from '../runner/worker-process.ts';
import { HDFS_USER_ENV, NAMENODE_ENV } from '../fs/webhdfs/config.ts';
import { shellQuote, type SshConnection } from './ssh.ts';

/** Settings a worker needs from the driver's environment (where HDFS is), passed explicitly: SSH does not. */
const FORWARDED_ENV = [NAMENODE_ENV, HDFS_USER_ENV];

/** Start a long-lived worker on a machine: an exec of the shipped bundle speaking the task protocol. */
export async function startRemoteWorker(conn: SshConnection, bundle: string, taskTimeoutMs = 600_000): Promise<WorkerProcess> {
  const workDir = conn.machine.workDir;
  const env = FORWARDED_ENV.filter((k) => process.env[k]).map((k) => `${k}=${shellQuote(process.env[k]!)}`);
  const command = `cd ${shellQuote(workDir)} && exec env ${env.join(' ')} node ${WORKER_NODE_FLAGS.map(shellQuote).join(' ')} ${shellQuote(bundle)}`;
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
      // Kill the remote process itself (closing the channel alone may leave it running).
      const pid = worker?.pid;
      if (pid !== undefined) conn.run(`kill -9 ${pid}`).catch(() => {});
      channel.close();
    },
  }, taskTimeoutMs);
  return worker;
}
