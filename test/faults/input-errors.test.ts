/**
 * Corrupt input and full disks through the real CLI: a damaged .gz names the file and fails after one
 * attempt (a deterministic error is not retried); a UTF-8 BOM is skipped; CRLF line ends are named;
 * ENOSPC names the full directory and its role, and the published generation stays as it was.
 */
import test, { type ExecutionContext } from 'ava';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { runJob } from '../../framework/runner/driver.ts';
import { prng } from '../../scripts/bench/zipf-text.ts';
import { bsctlAsync, errorLines, leftovers, ROOT, tempDir, type CliResult } from '../helpers/cli.ts';
import { segmentDigest } from '../helpers/full-build.ts';

const dir = tempDir('input-errors');
const SCHEMA = path.join(ROOT, 'fixtures/in1/schema.json');
const DOCS = fs.readFileSync(path.join(ROOT, 'fixtures/in1/data/docs.ha3'));
const mounts: string[] = [];
test.after.always(() => {
  for (const m of mounts.splice(0).reverse()) execFileSync('umount', [m]);
  fs.rmSync(dir, { recursive: true, force: true });
});

/** `n` ha3 documents of the in1 schema with pseudo-random words (deterministic). */
function ha3Docs(n: number): string {
  const rnd = prng(8);
  const word = (): string => Array.from({ length: 3 + Math.floor(rnd() * 6) }, () => String.fromCharCode(97 + Math.floor(rnd() * 26))).join('');
  const vocab = Array.from({ length: 2000 }, word);
  const pick = (k: number): string => Array.from({ length: k }, () => vocab[Math.floor(rnd() * vocab.length)]).join(' ');
  let s = '';
  for (let i = 1; i <= n; i++) {
    s += `CMD=add\x1F\nid=${i}\x1F\nhits=${i % 97}\x1F\ntitle=${pick(5)}\x1F\nsubject=${pick(12)}\x1F\ncreatetime=${1700000000000 + i}\x1F\ntags=${pick(1)}\x1D${pick(1)}\x1F\n\x1E\n`;
  }
  return s;
}

/** Lines of text that compress poorly, so a .gz of them is large enough to damage in the middle. */
function textLines(n: number): string {
  const rnd = prng(3);
  return Array.from({ length: n }, () => Array.from({ length: 8 }, () => Math.floor(rnd() * 1e9).toString(36)).join(' ')).join('\n') + '\n';
}

/** A tmpfs of `size` at `at` (we are root), unmounted when the file's tests end. */
function tmpfs(at: string, size: string): string {
  fs.mkdirSync(at, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', at]);
  mounts.push(at);
  return at;
}

/** The CLI with the environment a user would have; TSX_DISABLE_CACHE keeps tsx's cache off a tiny TMPDIR. */
const run = (args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<CliResult> => bsctlAsync(args, { TSX_DISABLE_CACHE: '1', ...env });

/** Attempt lines the job logged for its failing task ("attempt ... failed: ..."). */
const failedAttempts = (stderr: string): string[] => stderr.split('\n').filter((l) => /^attempt attempt_\S+ failed: /.test(l));

function assertOneAttempt(t: ExecutionContext, r: CliResult, file: string): void {
  const err = errorLines(r.stderr).join('\n');
  t.not(r.code, 0, r.stderr);
  t.true(err.includes(file), `the error names ${file}:\n${r.stderr}`);
  t.is(failedAttempts(r.stderr).length, 1, `one attempt, not retried:\n${r.stderr}`);
  t.regex(err, /failed once, not retried \(a deterministic error/, r.stderr);
  t.notRegex(r.stderr, /see the stack above/);
}

test.serial('a truncated .gz: one error naming the file, one attempt, non-zero exit, nothing published', async (t) => {
  const gz = gzipSync(Buffer.from(textLines(20_000)));
  const file = path.join(dir, 'truncated.txt.gz');
  fs.writeFileSync(file, gz.subarray(0, Math.floor(gz.length / 2)));
  const out = path.join(dir, 'wc-truncated');
  const r = await run(['run', 'word-count', '--input', file, '--output', out]);
  assertOneAttempt(t, r, file);
  t.regex(errorLines(r.stderr).join('\n'), /at byte \d+: the gzip file is truncated or corrupt \(zlib Z_BUF_ERROR: unexpected end of file\)/, r.stderr);
  t.regex(r.stderr, /probable cause: bad input/);
  t.false(fs.existsSync(out));
  t.deepEqual(leftovers(out), []);
});

test.serial('a .gz with garbage in the middle: one error naming the file, one attempt, nothing published', async (t) => {
  const gz = Buffer.from(gzipSync(Buffer.from(textLines(20_000))));
  const mid = Math.floor(gz.length / 2);
  gz.fill(0xa5, mid, mid + 256);
  const file = path.join(dir, 'corrupt.txt.gz');
  fs.writeFileSync(file, gz);
  const out = path.join(dir, 'wc-corrupt');
  const r = await run(['run', 'word-count', '--input', file, '--output', out]);
  assertOneAttempt(t, r, file);
  t.regex(errorLines(r.stderr).join('\n'), /at byte \d+: the gzip file is (truncated or )?corrupt \(zlib Z_\w+: /, r.stderr);
  t.false(fs.existsSync(out));
  t.deepEqual(leftovers(out), []);
});

test.serial('an ha3 file starting with a UTF-8 BOM: the BOM is skipped, the build has the same documents as without it', async (t) => {
  const plain = path.join(dir, 'plain.ha3');
  const bom = path.join(dir, 'bom.ha3');
  fs.writeFileSync(plain, DOCS);
  fs.writeFileSync(bom, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), DOCS]));
  const counters = async (data: string, root: string): Promise<Record<string, number>> => {
    const report = path.join(dir, `${path.basename(root)}.json`);
    const r = await run(['run', 'full-build', '--table', 't', '--schema', SCHEMA, '--data', data, '--index-root', root, '--report-json', report]);
    t.is(r.code, 0, r.stderr);
    return (JSON.parse(fs.readFileSync(report, 'utf8')) as { counters: Record<string, Record<string, number>> }).counters['full-build']!;
  };
  const withBom = await counters(bom, path.join(dir, 'idx-bom'));
  t.deepEqual(withBom, await counters(plain, path.join(dir, 'idx-plain')));
  t.true((withBom['Documents indexed'] ?? 0) > 0);
  // The first document (right after the BOM) is there, as a normal CMD=add.
  const q = await run(['query', '--table', 't', '--index-root', path.join(dir, 'idx-bom'), 'select id, hits from t where id=1']);
  t.is(q.code, 0, q.stderr);
  t.is(q.stdout.trim(), '{"id":1,"hits":12}');
});

test.serial('an ha3 file with CRLF line ends: one error naming the file, the byte and CRLF; one attempt; nothing published', async (t) => {
  const file = path.join(dir, 'crlf.ha3');
  fs.writeFileSync(file, Buffer.from(DOCS.toString('latin1').replace(/\n/g, '\r\n'), 'latin1'));
  const root = path.join(dir, 'idx-crlf');
  const r = await run(['run', 'full-build', '--table', 't', '--schema', SCHEMA, '--data', file, '--index-root', root]);
  assertOneAttempt(t, r, file);
  // "CMD=add\x1F\r\n": the \r is byte 8.
  t.true(errorLines(r.stderr).some((l) => l.includes(`${file} at byte 8: CRLF line ends`)), r.stderr);
  t.false(fs.existsSync(path.join(root, 't', 'generation_0')));
});

test.serial('a job error marked deterministic crosses the worker protocol: one attempt, then the job fails', async (t) => {
  const input = path.join(dir, 'lines.txt');
  fs.writeFileSync(input, 'a\nb\n');
  const logs: string[] = [];
  const out = path.join(dir, 'det-out');
  const jobModule = fileURLToPath(new URL('../fixtures/jobs/deterministic-fails.ts', import.meta.url));
  const err = await t.throwsAsync(runJob({ jobModule, input: [input], output: out, runner: 'local', workers: 1, log: (l) => logs.push(l) }));
  t.regex(err!.message, /failed once, not retried \(a deterministic error[^\n]*conf "mode" must be "ok"/);
  t.regex(err!.message, /probable cause: the job's code threw: .*deterministic-fails\.ts/);
  t.is(logs.filter((l) => /^attempt \S+ failed: /.test(l)).length, 1, logs.join('\n'));
  t.false(fs.existsSync(out));
});

/** Build `data` into `root`; returns the CLI result. */
const build = (data: string, root: string, env: Readonly<Record<string, string>> = {}): Promise<CliResult> =>
  run(['run', 'full-build', '--table', 't', '--schema', SCHEMA, '--data', data, '--index-root', root], env);

function assertGenerationIntact(t: ExecutionContext, root: string, before: Record<string, string>): void {
  const table = path.join(root, 't');
  t.deepEqual(segmentDigest(path.join(table, 'generation_0')), before);
  t.deepEqual(fs.readdirSync(table).filter((n) => n.startsWith('generation_')), ['generation_0']);
  t.deepEqual(leftovers(path.join(table, 'generation_1')), []);
}

test.serial('ENOSPC in the task local directory (TMPDIR on a full tmpfs): the error names the directory and its role; generation 0 intact', async (t) => {
  const data = path.join(dir, 'docs-local.ha3');
  fs.writeFileSync(data, ha3Docs(3000));
  const root = path.join(dir, 'idx-local');
  const first = await build(data, root);
  t.is(first.code, 0, first.stderr);
  const before = segmentDigest(path.join(root, 't', 'generation_0'));

  const small = tmpfs(path.join(dir, 'small-tmp'), '256k');
  const r = await build(data, root, { TMPDIR: small });
  t.not(r.code, 0, r.stderr);
  const err = errorLines(r.stderr).join('\n');
  t.regex(err, /ENOSPC: no space left on device.*: no space left in the task's local directory "[^"]+"; its filesystem, mounted at "[^"]+"/, r.stderr);
  t.true(err.includes(`in the task's local directory "${small}/`), r.stderr);
  t.true(err.includes(`mounted at ${JSON.stringify(small)}`), r.stderr);
  t.regex(r.stderr, /probable cause: disk full on the task's local directory \(the filesystem mounted at .*\).*TMPDIR/);
  // Not deterministic: another attempt may find room (another machine, space freed).
  t.regex(err, /failed 4 times; last error: /, r.stderr);
  assertGenerationIntact(t, root, before);
});

test.serial('ENOSPC in the index root (a full tmpfs): the error names the output directory and its role; generation 0 intact', async (t) => {
  const data = path.join(dir, 'docs-output.ha3');
  fs.writeFileSync(data, ha3Docs(3000));
  const root = tmpfs(path.join(dir, 'idx-output'), '4m');
  const first = await build(data, root);
  t.is(first.code, 0, first.stderr);
  const before = segmentDigest(path.join(root, 't', 'generation_0'));

  // Fill the filesystem but for 64 KiB: far less than a second generation needs.
  const st = fs.statfsSync(root);
  const free = st.bavail * st.bsize;
  t.true(free > 128 * 1024, `room left after the first build: ${free}`);
  fs.writeFileSync(path.join(root, 'filler'), Buffer.alloc(free - 64 * 1024));
  const r = await build(data, root);
  fs.rmSync(path.join(root, 'filler'));
  t.not(r.code, 0, r.stderr);
  const err = errorLines(r.stderr).join('\n');
  t.regex(err, /ENOSPC: no space left on device.*: no space left in the job's output directory "[^"]+"; its filesystem, mounted at "[^"]+"/, r.stderr);
  t.true(err.includes(`in the job's output directory "${root}/t/`), r.stderr);
  t.true(err.includes(`mounted at ${JSON.stringify(root)}`), r.stderr);
  t.regex(r.stderr, /probable cause: disk full on the job's output directory \(the filesystem mounted at .*\).*--index-root/);
  t.regex(err, /failed 4 times; last error: /, r.stderr);
  assertGenerationIntact(t, root, before);
});
