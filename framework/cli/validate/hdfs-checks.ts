import { fileSystemFor } from '../../fs/resolve.ts';
import { isHdfsUri, resolveHdfs } from '../../fs/webhdfs/config.ts';
import { errorText, fail, pass, type Check } from './check.ts';
import type { Unreachable } from './table-checks.ts';

/**
 * One reachability check per NameNode the given paths live on (local paths need none), and a lookup
 * saying why a path cannot be checked further when its NameNode failed.
 */
export async function hdfsChecks(paths: readonly string[]): Promise<{ checks: Check[]; unreachable: Unreachable }> {
  const byNamenode = new Map<string, { uri: string; check?: Check }>();
  const failedOf = new Map<string, string>();
  const checks: Check[] = [];
  for (const p of paths.filter(isHdfsUri)) {
    let namenode: string;
    try {
      const t = resolveHdfs(p);
      namenode = t.namenode;
      if (!byNamenode.has(namenode)) byNamenode.set(namenode, { uri: `${t.prefix}/` });
    } catch (err) {
      checks.push(fail(`hdfs ${p}`, errorText(err), 'pass --namenode http://host:port (or set $BSCTL_NAMENODE)'));
      failedOf.set(p, 'no NameNode configured');
    }
  }
  for (const [namenode, { uri }] of byNamenode) {
    const name = `hdfs ${namenode}`;
    try {
      const st = await fileSystemFor(uri).stat(uri);
      if (!st) throw new Error(`${uri}: no root directory`);
      checks.push(pass(name, `reachable (${uri} listed as ${process.env.BSCTL_HDFS_USER ? `user ${process.env.BSCTL_HDFS_USER}` : 'the default user'})`));
    } catch (err) {
      checks.push(fail(name, errorText(err), `start the NameNode, or pass the right --namenode (its HTTP address, e.g. http://host:9870)`));
      for (const p of paths) if (isHdfsUri(p) && !failedOf.has(p) && safeNamenode(p) === namenode) failedOf.set(p, `not checked: NameNode ${namenode} is unreachable`);
    }
  }
  return { checks, unreachable: (p) => failedOf.get(p) };
}

function safeNamenode(p: string): string | undefined {
  try {
    return resolveHdfs(p).namenode;
  } catch {
    return undefined;
  }
}
