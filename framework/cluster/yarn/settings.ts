import os from 'node:os';
import { checkSimpleName } from '../../fs/names.ts';

/** Where the YARN runner finds the cluster and its Hadoop client. */
export interface YarnSettings {
  /** The ResourceManager's web address (REST API), `$BSCTL_YARN_WEB`. */
  readonly web: string;
  /**
   * The Hadoop client's classpath: the cluster's config dir (core-site.xml, yarn-site.xml,
   * mapred-site.xml) and the Hadoop jars with hadoop-streaming, `$BSCTL_HADOOP_CLASSPATH`.
   */
  readonly classpath: string;
  /** The Java that runs the Streaming client (`$JAVA_HOME/bin/java`, else `java`). */
  readonly java: string;
  /** The user applications run as (`$HADOOP_USER_NAME`, else this process's user). */
  readonly user: string;
  /** Node.js on the NodeManagers (`--conf bsctl.yarn.node`, default `node` on their PATH). */
  readonly node: string;
  /** Container sizes of the step's tasks, MB (`--conf mapreduce.map.memory.mb` / `mapreduce.reduce.memory.mb`). */
  readonly mapMb: number;
  readonly reduceMb: number;
}

export const NODE_CONF = 'bsctl.yarn.node';
const MAP_MB = 'mapreduce.map.memory.mb';
const REDUCE_MB = 'mapreduce.reduce.memory.mb';

function megabytes(conf: Readonly<Record<string, string>>, key: string, fallback: number): number {
  const raw = conf[key];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || n < 128) throw new Error(`--conf ${key}: must be a whole number of MB, at least 128 (got "${raw}")`);
  return n;
}

/** The settings from the environment and the job's conf; a missing one is an error naming the variable. */
export function yarnSettings(env: NodeJS.ProcessEnv, conf: Readonly<Record<string, string>>): YarnSettings {
  const web = env.BSCTL_YARN_WEB;
  if (!web) throw new Error('--runner yarn needs $BSCTL_YARN_WEB, the ResourceManager\'s web address (e.g. http://rm-host:8088; `scripts/yarn env` prints the test YARN\'s)');
  if (!/^https?:\/\/[^/\s]+\/?$/.test(web)) throw new Error(`$BSCTL_YARN_WEB: must be http://host:port (got "${web}")`);
  const classpath = env.BSCTL_HADOOP_CLASSPATH;
  if (!classpath) throw new Error('--runner yarn needs $BSCTL_HADOOP_CLASSPATH, the Hadoop client\'s classpath with hadoop-streaming (on a cluster gateway: "$(hadoop classpath):$HADOOP_HOME/share/hadoop/tools/lib/*"; `scripts/yarn env` prints the test YARN\'s)');
  const node = conf[NODE_CONF] ?? 'node';
  if (!/^[\w./+-]+$/.test(node)) throw new Error(`--conf ${NODE_CONF}: must be a command name or an absolute path (got "${node}")`);
  const user = checkSimpleName(env.HADOOP_USER_NAME ?? os.userInfo().username, '$HADOOP_USER_NAME');
  return {
    web,
    classpath,
    java: env.JAVA_HOME ? `${env.JAVA_HOME}/bin/java` : 'java',
    user,
    node,
    mapMb: megabytes(conf, MAP_MB, 1024),
    reduceMb: megabytes(conf, REDUCE_MB, 1536),
  };
}
