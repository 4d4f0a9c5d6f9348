import test from 'ava';
import type { InputSplit, RecordReader } from '../framework/input/types.ts';
import type { Ha3Document } from '../framework/input/ha3.ts';
import { documentTable, documentTablePath, rowsAsDocuments } from '../framework/index/documents-input.ts';

test('hbase data paths: the row key field and the column mapping ride as parameters; bad ones are refused naming the path', (t) => {
  t.deepEqual(documentTable('hbase://docs?rowkey=id&column.title=d%3At'), { table: 'docs', path: 'hbase://docs', rowKeyField: 'id', columns: { title: 'd:t' } });
  t.is(documentTable('/data/docs.ha3'), undefined);
  t.throws(() => documentTable('hbase://docs?bogus=1'), { message: /data path hbase:\/\/docs\?bogus=1: unknown parameter "bogus"/ });
  t.throws(() => documentTable('hbase://docs?column.title=no%20such'), { message: /column\.title: "no such" is not an HBase column/ });
  // A field maps to one cell's column: a family alone names none.
  t.throws(() => documentTable('hbase://docs?column.title=d'), { message: /column\.title: "d" is not an HBase column \(family:qualifier\)/ });
  // The plan: the primary key from the row key, unless a column is named for it.
  t.is(documentTablePath('hbase://docs', 'id', {}), 'hbase://docs?rowkey=id');
  t.is(documentTable(documentTablePath('hbase://docs', 'id', { title: 'd:t' }))!.columns.title, 'd:t');
  const pkMapped = documentTable(documentTablePath('hbase://docs', 'id', { id: 'd:docid' }))!;
  t.is(pkMapped.rowKeyField, undefined);
  t.deepEqual(pkMapped.columns, { id: 'd:docid' });
  // What the user wrote on the path wins over the table config.
  t.deepEqual(documentTable(documentTablePath('hbase://docs?column.title=e%3Ax', 'id', { title: 'd:t' }))!.columns, { title: 'e:x' });
});

const rowsOf = (rows: [string, Record<string, string>][]): RecordReader<Buffer, Record<string, Buffer>> => ({
  bytesRead: 0,
  async read(sink) {
    for (const [key, cells] of rows) sink(Buffer.from(key), Object.fromEntries(Object.entries(cells).map(([c, v]) => [c, Buffer.from(v)])));
  },
});

test('rows as documents: cf:<field> columns, mapped columns instead, the row key as primary key; a row without a mapped column is a problem naming table, row and column', async (t) => {
  const split = { path: 'hbase://docs?rowkey=id&column.title=d%3At', fileIndex: 3 } as InputSplit;
  const docs: Ha3Document[] = [];
  const reader = rowsAsDocuments(split, rowsOf([
    ['k1', { 'cf:hits': '5', 'cf:title': 'ignored: title is mapped', 'd:t': 'hello', 'x:other': 'not read' }],
    ['k2', { 'cf:id': 'own-id', 'd:t': 'world' }],
    ['k3', { 'cf:hits': '7' }],
  ]), documentTable(split.path)!);
  await reader.read((_n, d) => void docs.push(d));
  t.deepEqual(docs[0]!.fields, [['CMD', 'add'], ['hits', '5'], ['title', 'hello'], ['id', 'k1']]);
  t.deepEqual(docs[0]!.problems, []);
  t.is(docs[0]!.path, 'hbase://docs, row "k1"');
  t.is(docs[0]!.fileIndex, 3);
  t.deepEqual(docs[1]!.fields, [['CMD', 'add'], ['id', 'own-id'], ['title', 'world']], 'a row with its own id column keeps it');
  t.deepEqual(docs[2]!.problems, [{ offset: 2, message: 'no column d:t (field title)' }]);
  t.is(docs[2]!.path, 'hbase://docs, row "k3"');
});
