/**
 * The README's own commands, run as a user types them: `npx bsctl ...` in the repository, and
 * `bsctl query / status / run full-build --table in1` from another directory, which must use the index
 * root the table config names (config/tables/in1.json: `../../out/index`, i.e. <repo>/out/index), not
 * ./index of the current directory. The point of these tests IS the default index root, so they build
 * into <repo>/out/index/in1 as the README's first command does (each build adds a generation; the
 * build itself keeps the newest two). They never delete it.
 */
import test, { type ExecutionContext } from 'ava';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { bsctl, ROOT, tempDir, type CliResult } from './helpers/cli.ts';

const DEFAULT_ROOT = path.join(ROOT, 'out/index');
const PARTITIONS = ['partition_0_32767', 'partition_32768_65535'];

const elsewhere = tempDir('readme-cwd');
test.after.always(() => fs.rmSync(elsewhere, { recursive: true, force: true }));

/**
 * `npx bsctl <args>` in the repository, as the README shows: the repo's own bin. The npm_* settings of
 * an `npm test` running us are left out (a user's shell has none), and npx may not install anything.
 */
function npx(args: readonly string[]): CliResult {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k)) env[k] = v;
  const r = spawnSync('npx', ['bsctl', ...args], { cwd: ROOT, encoding: 'utf8', env: { ...env, NO_COLOR: '1', npm_config_yes: 'false' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The generation a build published, from its last log line, checked to be under `<repo>/out/index/in1`. */
function publishedGeneration(t: ExecutionContext, r: CliResult): number {
  const m = /published in1 generation (\d+): (\S+), (\S+) under (\S+)$/m.exec(r.stdout + r.stderr);
  if (!m) throw new Error(`no "published" line in:\n${r.stdout}\n${r.stderr}`);
  const gid = Number(m[1]);
  t.is(m[4], path.join(DEFAULT_ROOT, 'in1', `generation_${gid}`), 'built into the table config\'s index root');
  t.is(`${m[2]}, ${m[3]}`, PARTITIONS.join(', '));
  return gid;
}

const ready = (gid: number): string => `${JSON.stringify({ in1: { status: 'READY', generationId: gid, partitions: PARTITIONS } })}\n`;

test.serial('README: `npx bsctl run full-build --table in1`, then `npx bsctl query` and `npx bsctl status`, in the repository', (t) => {
  const b = npx(['run', 'full-build', '--table', 'in1']);
  t.is(b.code, 0, b.stderr);
  const gid = publishedGeneration(t, b);
  for (const p of PARTITIONS) t.true(fs.existsSync(path.join(DEFAULT_ROOT, 'in1', `generation_${gid}`, p, 'version.0')), `${p}/version.0`);
  const q = npx(['query', '--table', 'in1', 'select count(*) from in1']);
  t.is(q.code, 0, q.stderr);
  t.is(q.stdout, '{"COUNT(*)":12}\n');
  const s = npx(['status', '--table', 'in1']);
  t.is(s.code, 0, s.stderr);
  t.is(s.stdout, ready(gid));
});

test.serial('from another directory, `bsctl query / status / index ls --table in1` use the table config\'s index root (<repo>/out/index)', (t) => {
  const b = bsctl(['run', 'full-build', '--table', 'in1', '--runner', 'inline']);
  t.is(b.code, 0, b.stderr);
  const gid = publishedGeneration(t, b);
  const q = bsctl(['query', '--table', 'in1', 'select count(*) from in1'], { cwd: elsewhere });
  t.is(q.code, 0, q.stderr);
  t.is(q.stdout, '{"COUNT(*)":12}\n');
  const s = bsctl(['status', '--table', 'in1'], { cwd: elsewhere });
  t.is(s.code, 0, s.stderr);
  t.is(s.stdout, ready(gid));
  const ls = bsctl(['index', 'ls', '--table', 'in1'], { cwd: elsewhere });
  t.is(ls.code, 0, ls.stderr);
  t.regex(ls.stdout.split('\n')[0] ?? '', new RegExp(`^table in1 under ${DEFAULT_ROOT.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: \\d generation\\(s\\), serving generation_${gid}$`));
  t.deepEqual(fs.readdirSync(elsewhere), [], 'nothing written to the current directory');
});

test.serial('from another directory, `bsctl run full-build --table in1` (local worker processes, the default) builds into <repo>/out/index; query finds it', (t) => {
  const b = bsctl(['run', 'full-build', '--table', 'in1'], { cwd: elsewhere });
  t.is(b.code, 0, b.stderr);
  const gid = publishedGeneration(t, b);
  const q = bsctl(['query', '--table', 'in1', 'select count(*) from in1'], { cwd: elsewhere });
  t.is(q.code, 0, q.stderr);
  t.is(q.stdout, '{"COUNT(*)":12}\n');
  const s = bsctl(['status', '--table', 'in1'], { cwd: elsewhere });
  t.is(s.stdout, ready(gid));
  t.deepEqual(fs.readdirSync(elsewhere), [], 'nothing written to the current directory');
});
