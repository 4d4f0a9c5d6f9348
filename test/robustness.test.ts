import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseSchema } from '../framework/index/schema/load.ts';
import { formatFloat, valueToString } from '../framework/index/values.ts';
import { runJob } from '../framework/runner/driver.ts';
import { ByteSink } from '../framework/shuffle/bytes.ts';
import { SegmentReader } from '../framework/shuffle/segment.ts';
import { bsctl, tempDir } from './helpers/cli.ts';
import { fileSystemFor } from '../framework/fs/resolve.ts';
import { readSmallFile } from '../framework/fs/small-file.ts';

const dir = tempDir('robust');
test.after.always(() => fs.rmSync(dir, { recursive: true, force: true }));

test('a job printing to stdout without a newline and then throwing fails (no hang); the output is in the stderr tail', async (t) => {
  const input = path.join(dir, 'in.txt');
  fs.writeFileSync(input, 'x\n');
  const err = await t.throwsAsync(
    runJob({ jobModule: fileURLToPath(new URL('./fixtures/jobs/noisy-throws.ts', import.meta.url)), input: [input], output: path.join(dir, 'out'), runner: 'local', workers: 1, maxAttempts: 2 }),
  );
  t.regex(err!.message, /failed 2 times; last error: noisy failure/);
  t.regex(err!.message, /progress dot for x\./);
});

test('varints past 2^32 round-trip (posting offsets of large partitions)', (t) => {
  const values = [0, 127, 128, 2 ** 31, 2 ** 32 + 5, 5 * 2 ** 30, Number.MAX_SAFE_INTEGER];
  t.throws(() => new ByteSink(8).varint(-1), { message: /varint out of range/ });
  const file = path.join(dir, 'varints.bin');
  const out = new ByteSink(64);
  for (const v of values) out.record(Buffer.from(String(v)), Buffer.alloc(0));
  fs.writeFileSync(file, out.buf.subarray(0, out.length));
  const r = new SegmentReader({ file, offset: 0, length: out.length, records: values.length }, 0);
  const got: string[] = [];
  while (r.next()) got.push(r.key.toString());
  t.deepEqual(got, values.map(String));
  // The decoder used by the index (varints as numbers, not 32-bit).
  const big = new ByteSink(16);
  big.varint(2 ** 32 + 5);
  let n = 0;
  let shift = 0;
  for (const b of big.buf.subarray(0, big.length)) {
    n += (b & 0x7f) * 2 ** shift;
    shift += 7;
  }
  t.is(n, 2 ** 32 + 5);
});

test('FLOAT values are stored as the shortest decimal of the float (0.1, not 0.10000000149011612)', (t) => {
  t.is(formatFloat(Math.fround(0.1)), '0.1');
  t.is(formatFloat(Math.fround(3.14159)), '3.14159');
  t.is(valueToString([Math.fround(0.1), Math.fround(2.5)], ',', 'FLOAT'), '0.1,2.5');
  t.is(valueToString(0.1, undefined, 'DOUBLE'), '0.1');
});

test('a PACK index with more than 31 fields is a schema error naming the key', (t) => {
  const columns = Array.from({ length: 33 }, (_, i) => ({ name: `f${i}`, type: 'TEXT' }));
  const schema = {
    columns: [{ name: 'id', type: 'UINT32' }, ...columns],
    indexes: [
      { name: 'id', index_type: 'PRIMARY_KEY64', index_config: { index_fields: [{ field_name: 'id' }] } },
      { name: 'p', index_type: 'PACK', index_config: { index_fields: columns.map((c) => ({ field_name: c.name })) } },
    ],
  };
  t.throws(() => parseSchema(schema, 's.json'), { message: /^s\.json: indexes\[1\]\.index_config\.index_fields: .*33 fields; at most 31 are supported/ });
});

test('--sort-mb above 2047 is refused (buffer offsets are 32-bit, as in Hadoop)', (t) => {
  const input = path.join(dir, 'a.txt');
  fs.writeFileSync(input, 'a\n');
  const r = bsctl(['run', 'word-count', '--input', input, '--output', path.join(dir, 'big-sort'), '--sort-mb', '3000']);
  t.is(r.code, 1);
  t.regex(r.stderr, /--sort-mb: at most 2047/);
});

// The two task-timeout tests are serial (ava runs serial tests before the concurrent ones): the other
// tests here call bsctl with spawnSync, which blocks this process's event loop for seconds, and the
// driver's timeout check would then fire before it reads the worker's progress (a false timeout).
test.serial('a task that stops reporting progress is killed after the task timeout and retried; the job fails with the cause', async (t) => {
  const input = path.join(dir, 'spin.txt');
  fs.writeFileSync(input, 'x\n');
  const logs: string[] = [];
  const err = await t.throwsAsync(
    runJob({
      jobModule: fileURLToPath(new URL('./fixtures/jobs/spins.ts', import.meta.url)),
      input: [input],
      output: path.join(dir, 'spin-out'),
      runner: 'local',
      workers: 1,
      maxAttempts: 2,
      taskTimeoutMs: 1500,
      conf: { mode: 'forever' },
      log: (l) => logs.push(l),
    }),
  );
  t.regex(err!.message, /failed 2 times; last error: task timed out: no progress for 2 s \(--task-timeout\); the worker was killed/);
  t.regex(err!.message, /probable cause: the task stopped reporting progress/);
  // The first attempt was killed by the same timeout and retried (no wall-clock assertion: the job
  // ending at all, with this cause twice, is the proof; a hang would hit ava's timeout).
  t.true(logs.some((l) => /_m_000000_0 failed: task timed out: no progress for 2 s .*\(retrying\)/.test(l)), logs.join('\n'));
  t.false(fs.existsSync(path.join(dir, 'spin-out')));
});

test.serial('a long computation that calls ctx.progress() outlives the task timeout', async (t) => {
  const input = path.join(dir, 'slow.txt');
  fs.writeFileSync(input, 'y\n');
  await runJob({
    jobModule: fileURLToPath(new URL('./fixtures/jobs/spins.ts', import.meta.url)),
    input: [input],
    output: path.join(dir, 'slow-out'),
    runner: 'local',
    workers: 1,
    maxAttempts: 1,
    taskTimeoutMs: 1500,
    conf: { mode: 'heartbeat' },
  });
  t.is(fs.readFileSync(path.join(dir, 'slow-out', 'part-m-00000'), 'utf8'), 'y\t1\n');
});

test('very long records are read whole in linear time; a delimiter straddling chunk edges is found; too long is a clear error', async (t) => {
  const { DelimitedReader } = await import('../framework/input/delimited.ts');
  const { InputError } = await import('../framework/input/types.ts');
  const file = path.join(dir, 'long.ha3');
  // A 10 MiB document whose \x1E\n terminator straddles the reader's 1 MiB chunk boundary, then a short one.
  const head = 'CMD=add\x1F\nid=1\x1F\nbody=';
  const big = head + 'x'.repeat(10 * 1024 * 1024 - 1 - head.length - 2) + '\x1F\n';
  t.is(Buffer.byteLength(big), 10 * 1024 * 1024 - 1, 'the terminator starts one byte before the 10 MiB chunk edge');
  const text = `${big}\x1E\nCMD=add\x1F\nid=2\x1F\n\x1E\n`;
  fs.writeFileSync(file, text);
  const size = fs.statSync(file).size;
  for (const splitSize of [size, 3 * 1024 * 1024, 1024 * 1024 - 1]) {
    const records: [number, number][] = [];
    for (let start = 0; start < size; start += splitSize) {
      const split = { path: file, start, length: Math.min(splitSize, size - start), fileLength: size, hosts: [], fileIndex: 0 };
      await new DelimitedReader(split, '\x1E\n').read((_b, s, e, offset) => records.push([offset, e - s]));
    }
    t.deepEqual(records, [[0, Buffer.byteLength(big)], [Buffer.byteLength(big) + 2, 15]], `split size ${splitSize}`);
  }
  const split = { path: file, start: 0, length: size, fileLength: size, hosts: [], fileIndex: 0 };
  const err = await t.throwsAsync(new DelimitedReader(split, '\x1E\n', 2 * 1024 * 1024).read(() => {}));
  t.true(err instanceof InputError);
  t.is(err!.message, `${file} at byte 0: record longer than 2097152 bytes without a delimiter ("\\u001e\\n"); wrong delimiter or line ends?`);
});

test('local files: an empty file reads as empty (a lock file another process has just created), an empty range as nothing', async (t) => {
  const dir = tempDir('empty-read');
  const empty = path.join(dir, 'empty');
  fs.writeFileSync(empty, '');
  t.is(await readSmallFile(empty), '');
  const full = path.join(dir, 'full');
  fs.writeFileSync(full, 'abcdef');
  for (const [a, b, want] of [[0, 0, ''], [3, 3, ''], [4, 2, ''], [1, 4, 'bcd'], [2, undefined, 'cdef']] as const) {
    const chunks: Buffer[] = [];
    for await (const c of fileSystemFor(full).openRead(full, a, b)) chunks.push(c as Buffer);
    t.is(Buffer.concat(chunks).toString(), want, `range ${a}-${b}`);
  }
  fs.rmSync(dir, { recursive: true, force: true });
});
