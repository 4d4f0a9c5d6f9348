import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { loadClusterConfig, type ClusterConfig } from '../../framework/cluster/config.ts';
import { ROOT } from './cli.ts';

/** The three sshd hosts `npm test` starts (scripts/test.js); tests fail clearly without them. */
export function testCluster(): { file: string; config: ClusterConfig } {
  const file = process.env.BSCTL_TEST_CLUSTER;
  if (!file) throw new Error('no test cluster: run `npm test` (it starts scripts/sshd), or set BSCTL_TEST_CLUSTER to `scripts/sshd cluster` output');
  return { file, config: loadClusterConfig(file) };
}

export function sshdScript(...args: string[]): void {
  const r = spawnSync(path.join(ROOT, 'scripts/sshd'), args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`scripts/sshd ${args.join(' ')} failed: ${r.stderr}`);
}

/** A variant of the cluster config file, changed by `edit`. */
export function clusterVariant(dir: string, name: string, edit: (config: { machines: Record<string, unknown>[] }) => void): string {
  const config = JSON.parse(fs.readFileSync(testCluster().file, 'utf8')) as { machines: Record<string, unknown>[] };
  edit(config);
  const file = path.join(dir, `${name}.json`);
  fs.writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}
