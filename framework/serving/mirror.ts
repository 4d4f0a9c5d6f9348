import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isLocal, joinPath } from '../fs/resolve.ts';
import { generationIdOf, generationName, listGenerationsOn } from '../index/layout.ts';
import { downloadGeneration } from '../index/package-file.ts';
import { indexRootOf } from '../index/table-config.ts';

const MARK = '.bsctl-mirrored';

/**
 * Like a Havenask searcher, serve an index kept on HDFS from local disk: every published generation of
 * the table is copied once into a local cache (generations never change after they are published;
 * package files are unpacked into the plain layout), and generations gone from HDFS are dropped.
 * Local index roots are used as they are.
 */
export async function localIndexRoot(indexRoot: string, table: string, log: (line: string) => void = () => {}): Promise<string> {
  if (isLocal(indexRoot)) return indexRoot;
  const cache = path.join(process.env.BSCTL_CACHE ?? path.join(os.homedir(), '.cache', 'bsctl'), 'index', createHash('sha1').update(indexRoot).digest('hex').slice(0, 16));
  const localTable = path.join(cache, table);
  fs.mkdirSync(localTable, { recursive: true });
  const remote = await listGenerationsOn(indexRoot, table);
  for (const name of fs.readdirSync(localTable)) {
    const gid = generationIdOf(name);
    if (gid === undefined || !remote.includes(gid)) fs.rmSync(path.join(localTable, name), { recursive: true, force: true });
  }
  for (const gid of remote) {
    const dir = path.join(localTable, generationName(gid));
    if (fs.existsSync(path.join(dir, MARK))) continue;
    log(`copying ${table} ${generationName(gid)} from ${indexRoot} to ${cache}`);
    const tmp = `${dir}.partial`;
    fs.rmSync(tmp, { recursive: true, force: true });
    await downloadGeneration(joinPath(indexRoot, table, generationName(gid)), tmp);
    fs.writeFileSync(path.join(tmp, MARK), `${indexRoot}\n`);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(tmp, dir);
  }
  return cache;
}

/** The local index root to serve `table` from: --index-root, else its table config, else ./index. */
export function servingIndexRoot(table: string, flag: string | undefined, log?: (line: string) => void): Promise<string> {
  return localIndexRoot(indexRootOf(table, flag), table, log);
}
