import { spawn } from 'node:child_process';
import type { YarnSettings } from './settings.ts';

/** One Hadoop Streaming job, as the YARN runner submits a step. */
export interface StreamingSubmit {
  readonly name: string;
  /** Tag of the application (lowercase), to find it from the ResourceManager. */
  readonly tag: string;
  readonly queue: string;
  /** HDFS paths: the task list (one line per map) and the step's output dir (must not exist). */
  readonly input: string;
  readonly output: string;
  /** Local files for the distributed cache, `path#name`. */
  readonly files: readonly string[];
  readonly archives: readonly string[];
  readonly mapper: string;
  /** Absent: a map-only step. */
  readonly reducer?: string;
  readonly numReduces: number;
  /** Job conf (`-D`). */
  readonly conf: Readonly<Record<string, string>>;
  /** Environment of the tasks (`-cmdenv`). */
  readonly cmdenv: Readonly<Record<string, string>>;
  /** Local scratch of the client (its temporary job jar). */
  readonly tmpDir: string;
}

/** A failed task attempt as the client reported it. */
export interface ClientTaskError {
  readonly attemptId: string;
  readonly error: string;
}

export interface StreamingOutcome {
  readonly appId?: string;
  readonly hadoopJobId?: string;
  readonly code: number | null;
  readonly taskErrors: readonly ClientTaskError[];
  /** `Job ... failed with state FAILED due to: ...` */
  readonly jobFailure?: string;
  /** The end of the client's log. */
  readonly logTail: string;
}

export interface StreamingHooks {
  readonly onAppId?: (appId: string) => void;
  readonly onProgress?: (mapPercent: number, reducePercent: number) => void;
  readonly log: (line: string) => void;
}

/** The Streaming command line: generic options (-D, -files, -archives) first, then Streaming's own. */
export function streamingArgs(s: StreamingSubmit): string[] {
  const conf: Record<string, string> = {
    'mapreduce.job.name': s.name,
    'mapreduce.job.tags': s.tag,
    'mapreduce.job.queuename': s.queue,
    'mapreduce.job.reduces': String(s.numReduces),
    // One map per line of the task list: the line is the map's bsctl split.
    'mapreduce.input.lineinputformat.linespermap': '1',
    'stream.map.input.ignoreKey': 'true',
    // The key is tag, key and order (shuffle/streaming-lines.ts), partitioned by the tag only.
    'stream.num.map.output.key.fields': '3',
    'mapreduce.partition.keypartitioner.options': '-k1,1',
    // Attempts' files are promoted at task commit into _temporary, and into the output at job commit.
    'mapreduce.fileoutputcommitter.algorithm.version': '1',
    ...s.conf,
  };
  const args: string[] = [];
  for (const [k, v] of Object.entries(conf)) args.push('-D', `${k}=${v}`);
  if (s.files.length) args.push('-files', s.files.join(','));
  if (s.archives.length) args.push('-archives', s.archives.join(','));
  args.push('-input', s.input, '-output', s.output, '-inputformat', 'org.apache.hadoop.mapred.lib.NLineInputFormat', '-mapper', s.mapper);
  if (s.reducer) args.push('-reducer', s.reducer, '-partitioner', 'org.apache.hadoop.mapred.lib.KeyFieldBasedPartitioner');
  else args.push('-reducer', 'NONE');
  // bsctl's tasks write their files themselves: no empty part files from Streaming's own output.
  args.push('-lazyOutput');
  for (const [k, v] of Object.entries(s.cmdenv)) args.push('-cmdenv', `${k}=${v}`);
  return args;
}

/**
 * Run the Streaming client (`org.apache.hadoop.streaming.HadoopStreaming`) until the job ends, following
 * its log: the application id, map and reduce progress, failed attempts and the job's failure. Aborting
 * `signal` stops the client; killing the application is the caller's (it knows the id).
 */
export function runStreaming(settings: YarnSettings, s: StreamingSubmit, hooks: StreamingHooks, signal?: AbortSignal): Promise<StreamingOutcome> {
  const java = [`-Xmx256m`, '-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', '-Djava.net.preferIPv4Stack=true', `-Djava.io.tmpdir=${s.tmpDir}`, `-Dstream.tmpdir=${s.tmpDir}`, '-Dhadoop.root.logger=INFO,console', '-cp', settings.classpath, 'org.apache.hadoop.streaming.HadoopStreaming', ...streamingArgs(s)];
  return new Promise((resolve, reject) => {
    const child = spawn(settings.java, java, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HADOOP_USER_NAME: settings.user } });
    let appId: string | undefined;
    let hadoopJobId: string | undefined;
    let jobFailure: string | undefined;
    const taskErrors: ClientTaskError[] = [];
    let pendingAttempt: string | undefined;
    let tail: string[] = [];
    let rest = '';
    const onLine = (line: string): void => {
      tail.push(line);
      if (tail.length > 200) tail = tail.slice(-100);
      const app = /Submitted application (application_\d+_\d+)/.exec(line);
      if (app && !appId) {
        appId = app[1]!;
        hooks.onAppId?.(appId);
      }
      const job = /Running job: (job_\d+_\d+)/.exec(line);
      if (job) hadoopJobId = job[1]!;
      const p = /\bmap (\d+)% reduce (\d+)%/.exec(line);
      if (p) hooks.onProgress?.(Number(p[1]), Number(p[2]));
      const failed = /Task Id : (attempt_\S+), Status : FAILED/.exec(line);
      if (failed) pendingAttempt = failed[1]!;
      else if (pendingAttempt && /^(Error|Exception|Container)/.test(line.trim())) {
        taskErrors.push({ attemptId: pendingAttempt, error: line.trim() });
        pendingAttempt = undefined;
      }
      const jf = /Job job_\S+ failed with state (\w+) due to: (.*)/.exec(line);
      if (jf) jobFailure = `${jf[1]}: ${jf[2]}`;
    };
    const feed = (chunk: string): void => {
      const text = rest + chunk;
      const lines = text.split('\n');
      rest = lines.pop() ?? '';
      for (const l of lines) onLine(l);
    };
    child.stdout.setEncoding('utf8').on('data', feed);
    child.stderr.setEncoding('utf8').on('data', feed);
    const stop = (): void => {
      child.kill('SIGTERM');
    };
    signal?.addEventListener('abort', stop, { once: true });
    child.on('error', (err) => {
      signal?.removeEventListener('abort', stop);
      reject(new Error(`could not run the Hadoop Streaming client (${settings.java}): ${err.message}; install Java or set $JAVA_HOME`));
    });
    child.on('close', (code) => {
      signal?.removeEventListener('abort', stop);
      if (rest) onLine(rest);
      resolve({ ...(appId ? { appId } : {}), ...(hadoopJobId ? { hadoopJobId } : {}), code, taskErrors, ...(jobFailure ? { jobFailure } : {}), logTail: tail.slice(-40).join('\n') });
    });
  });
}

/** `yarn logs -applicationId ID` through the client's classpath: the containers' aggregated logs, or '' if none came in time. */
export async function fetchAppLogs(settings: YarnSettings, appId: string, timeoutMs = 20_000): Promise<string> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const text = await new Promise<string>((resolve) => {
      const c = spawn(settings.java, ['-Xmx256m', '-XX:TieredStopAtLevel=1', '-Dhadoop.root.logger=WARN,console', '-cp', settings.classpath, 'org.apache.hadoop.yarn.client.cli.LogsCLI', '-applicationId', appId], { stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, HADOOP_USER_NAME: settings.user } });
      const chunks: Buffer[] = [];
      let size = 0;
      c.stdout.on('data', (d: Buffer) => {
        if (size < 16 * 1024 * 1024) chunks.push(d);
        size += d.length;
      });
      c.on('error', () => resolve(''));
      c.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
    });
    // Aggregation ends a little after the application: until then there is nothing, or only some containers.
    if (text.includes('LogType:') || Date.now() > until) return text;
    await new Promise((r) => setTimeout(r, 1000));
  }
}
