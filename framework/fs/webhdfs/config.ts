/**
 * Where WebHDFS requests go. The NameNode's HTTP address and the user come from flags (`--namenode`,
 * `--hdfs-user`, which set these variables for the whole process tree), or the environment
 * (`BSCTL_NAMENODE=http://host:port`, `BSCTL_HDFS_USER`).
 *
 * URIs: `hdfs:///path` uses BSCTL_NAMENODE; `hdfs://host:port/path` names the NameNode's RPC address,
 * so it maps to BSCTL_NAMENODE when that is on the same host, else to `http://host:9870` (Hadoop 3's
 * default HTTP port); `webhdfs://host:httpport/path` is Hadoop's own spelling of a WebHDFS address.
 */
export const NAMENODE_ENV = 'BSCTL_NAMENODE';
export const HDFS_USER_ENV = 'BSCTL_HDFS_USER';
const DEFAULT_HTTP_PORT = 9870;

export interface HdfsTarget {
  /** Base URL of the NameNode's HTTP server, e.g. `http://127.0.0.1:9870`. */
  readonly namenode: string;
  /** The user requests act as (`user.name`), when set. */
  readonly user: string | undefined;
  /** The absolute path inside HDFS. */
  readonly path: string;
  /** The URI prefix (`hdfs://authority`) that paths in results keep, so they can be used again. */
  readonly prefix: string;
}

export function isHdfsUri(p: string): boolean {
  return /^(hdfs|webhdfs):\/\//i.test(p);
}

function configuredNamenode(uri: string): string {
  const nn = process.env[NAMENODE_ENV];
  if (!nn) throw new Error(`${uri}: no NameNode configured (set ${NAMENODE_ENV}=http://host:port, or pass --namenode; scripts/hdfs env prints it)`);
  if (!/^https?:\/\/[^/]+$/i.test(nn.replace(/\/+$/, ''))) throw new Error(`${NAMENODE_ENV}: "${nn}" is not an http://host:port address`);
  return nn.replace(/\/+$/, '');
}

/** Resolve an `hdfs://` or `webhdfs://` URI to the NameNode to ask and the path inside HDFS. */
export function resolveHdfs(uri: string): HdfsTarget {
  const m = /^(hdfs|webhdfs):\/\/([^/]*)(\/.*)?$/i.exec(uri);
  if (!m) throw new Error(`${uri}: not an hdfs:// URI`);
  const scheme = m[1]!.toLowerCase();
  const authority = m[2]!;
  const path = (m[3] ?? '/').replace(/\/+$/, '') || '/';
  const user = process.env[HDFS_USER_ENV] || undefined;
  if (scheme === 'webhdfs') {
    if (!authority) throw new Error(`${uri}: webhdfs:// needs host:port`);
    return { namenode: `http://${authority}`, user, path, prefix: `webhdfs://${authority}` };
  }
  if (!authority) return { namenode: configuredNamenode(uri), user, path, prefix: 'hdfs://' };
  const host = authority.replace(/:\d+$/, '');
  const nn = process.env[NAMENODE_ENV];
  const sameHost = nn !== undefined && new URL(nn).hostname === host;
  return { namenode: sameHost ? configuredNamenode(uri) : `http://${host}:${DEFAULT_HTTP_PORT}`, user, path, prefix: `hdfs://${authority}` };
}
