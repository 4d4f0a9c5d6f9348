/** The HBase input's key arithmetic and its checks (no HBase needed: see hbase.test.ts for the real one). */
import test from 'ava';
import net from 'node:net';
import { hbaseInput, tableOfPath } from '../framework/input/hbase/format.ts';
import { restAddress } from '../framework/input/hbase/rest.ts';
import { clip, cutEvenly, type RowRange } from '../framework/input/hbase/row-range.ts';

const b = (s: string): Buffer => Buffer.from(s);
const show = (r: RowRange | undefined): string => (r ? `[${r.start.toString('hex')},${r.end.toString('hex')})` : 'none');

test('clip: a region cut to the scan range; empty end keys mean the end of the table', (t) => {
  const all = { start: b(''), end: b('') };
  t.is(show(clip({ start: b('b'), end: b('d') }, all)), show({ start: b('b'), end: b('d') }));
  t.is(show(clip({ start: b('b'), end: b('d') }, { start: b('c'), end: b('') })), show({ start: b('c'), end: b('d') }));
  t.is(show(clip({ start: b('b'), end: b('') }, { start: b('a'), end: b('c') })), show({ start: b('b'), end: b('c') }));
  t.is(show(clip({ start: b(''), end: b('b') }, { start: b('b'), end: b('') })), 'none');
  t.is(show(clip({ start: b('d'), end: b('') }, { start: b('a'), end: b('c') })), 'none');
  t.is(show(clip({ start: b('a'), end: b('b') }, { start: b('a'), end: b('a\0') })), show({ start: b('a'), end: b('a\0') }));
});

test('cutEvenly: n ranges that tile the range exactly, in order, bounds inside it', (t) => {
  for (const range of [
    { start: b(''), end: b('') },
    { start: b('a'), end: b('b') },
    { start: b('row-0100'), end: b('row-0200') },
    { start: b('m'), end: b('') },
  ]) {
    const parts = cutEvenly(range, 4);
    t.is(parts.length, 4, show(range));
    t.true(parts[0]!.start.equals(range.start));
    t.true(parts[3]!.end.equals(range.end));
    for (let i = 1; i < parts.length; i++) {
      t.true(parts[i]!.start.equals(parts[i - 1]!.end));
      t.true(Buffer.compare(parts[i - 1]!.start, parts[i]!.start) < 0, `${show(range)} part ${i}`);
    }
  }
  // Even: the whole key space in 4 from 0x00.. to just past 0xff..: 0x40, 0x80, 0xc0.
  t.deepEqual(cutEvenly({ start: b(''), end: b('') }, 4).slice(1).map((r) => r.start.toString('hex')), ['4000', '8000', 'c000']);
  // Too narrow a range for n parts: fewer, still exact.
  const narrow = cutEvenly({ start: Buffer.of(1), end: Buffer.of(1, 0, 1) }, 1000);
  t.true(narrow.length < 1000 && narrow.length >= 1);
  t.is(cutEvenly({ start: b('a'), end: b('b') }, 1).length, 1);
});

test('hbase:// paths, table names and options are checked before anything is asked of HBase', async (t) => {
  t.is(tableOfPath('hbase://docs'), 'docs');
  t.is(tableOfPath('hbase://ns1:docs/'), 'ns1:docs');
  t.is(tableOfPath('/data/docs'), undefined);
  t.throws(() => tableOfPath('hbase://../etc'), { message: /not an HBase table name/ });
  t.throws(() => tableOfPath('hbase://a b'), { message: /not an HBase table name/ });
  t.throws(() => hbaseInput({ columns: ['cf:a', 'bad family!'] }), { message: /"bad family!" is not an HBase column/ });
  t.throws(() => hbaseInput({ mappersPerRegion: 0 }), { message: /mappersPerRegion/ });
  t.throws(() => restAddress('ftp://x', 'here'), { message: /must be http/ });
  const saved = process.env.BSCTL_HBASE_REST;
  delete process.env.BSCTL_HBASE_REST;
  try {
    await t.throwsAsync(hbaseInput().getSplits(['hbase://docs'], {}), { message: /no HBase REST gateway: set BSCTL_HBASE_REST/ });
  } finally {
    if (saved !== undefined) process.env.BSCTL_HBASE_REST = saved;
  }
  // Nothing listens on a loopback port just freed: a clear error naming the table and the gateway.
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((r) => server.close(r));
  const err = await t.throwsAsync(hbaseInput({ rest: `http://127.0.0.1:${port}` }).getSplits(['hbase://docs'], {}));
  t.is(err?.message, `regions hbase://docs: cannot reach the HBase REST gateway at 127.0.0.1:${port} (ECONNREFUSED); is it running (scripts/hbase start)?`);
});
