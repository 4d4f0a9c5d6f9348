import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { listGenerations } from '../framework/index/layout.ts';
import { bsctl, errorLines, ROOT, tempDir } from './helpers/cli.ts';

const SCHEMA = path.join(ROOT, 'fixtures/in1/schema.json');
const N = 300;

const dirs: string[] = [];
test.after.always(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
/** A temp dir of this file's, removed when its tests end. */
const ownDir = (prefix: string): string => {
  const d = tempDir(prefix);
  dirs.push(d);
  return d;
};

const doc = (fields: Record<string, string>, cmd = 'add'): string =>
  `CMD=${cmd}\x1F\n${Object.entries(fields)
    .map(([k, v]) => `${k}=${v}\x1F\n`)
    .join('')}\x1E\n`;

interface Doc {
  id: number;
  hits: number;
  tags: string[];
}

/** Documents 1..N (hits = id, tags = [t<id%5>]), two side tables, an include and an exclude list. */
function fixture(dir: string): { config: (extra?: object) => string; expected: Doc[] } {
  fs.mkdirSync(path.join(dir, 'data'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'side'), { recursive: true });
  const docs: string[] = [];
  for (let id = 1; id <= N; id++) docs.push(doc({ id: String(id), hits: String(id), title: `doc ${id}`, subject: 'nightly', createtime: '1', tags: `t${id % 5}` }));
  fs.writeFileSync(path.join(dir, 'data', 'docs.ha3'), docs.join(''));
  // hits.tsv: every third id gets hits 1000+id (and a row for a key without a document).
  const tsv = [];
  for (let id = 3; id <= N; id += 3) tsv.push(`${id}\tx\t${1000 + id}`);
  tsv.push(`${N + 50}\tx\t7`);
  fs.writeFileSync(path.join(dir, 'side', 'hits.tsv'), `${tsv.join('\n')}\n`);
  // tags.jsonl: every seventh id gets tags [gold, <id>].
  const jsonl = [];
  for (let id = 7; id <= N; id += 7) jsonl.push(JSON.stringify({ doc: id, tags: ['gold', String(id)] }));
  fs.writeFileSync(path.join(dir, 'side', 'tags.jsonl'), `${jsonl.join('\n')}\n`);
  // Include ids 1..200, exclude the multiples of 10.
  fs.writeFileSync(path.join(dir, 'allow.txt'), `${Array.from({ length: 200 }, (_, i) => i + 1).join('\n')}\n`);
  fs.writeFileSync(path.join(dir, 'deny.txt'), `${Array.from({ length: N / 10 }, (_, i) => (i + 1) * 10).join('\n')}\n`);
  const expected: Doc[] = [];
  for (let id = 1; id <= 200; id++) {
    if (id % 10 === 0) continue;
    expected.push({ id, hits: id % 3 === 0 ? 1000 + id : id, tags: id % 7 === 0 ? ['gold', String(id)] : [`t${id % 5}`] });
  }
  const config = (extra: object = {}): string => {
    const file = path.join(dir, `table-${Math.random().toString(36).slice(2)}.json`);
    const join = {
      sides: [
        { data: ['side/hits.tsv'], columns: ['id', 'note', 'hits'], key: 'id', fields: ['hits'] },
        { data: ['side/tags.jsonl'], key: 'doc', on: 'id', fields: ['tags'] },
      ],
      includeKeys: { data: ['allow.txt'] },
      excludeKeys: { data: ['deny.txt'], on: 'id' },
      ...extra,
    };
    fs.writeFileSync(file, JSON.stringify({ schema: SCHEMA, data: ['data/'], partitions: 2, indexRoot: 'index', join }));
    return file;
  };
  return { config, expected };
}

function query(dir: string, table: string): Doc[] {
  const r = bsctl(['query', `SELECT id, hits, tags FROM ${table} ORDER BY id`, '--table', table, '--index-root', path.join(dir, 'index')]);
  if (r.code !== 0) throw new Error(r.stderr);
  return r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Doc);
}

test('a full build with side tables and key lists: enriched attributes, restricted documents, for every strategy', (t) => {
  const dir = ownDir('fb-join');
  const { config, expected } = fixture(dir);
  const file = config();
  for (const [i, strategy] of ['auto', 'reduce', 'bloom'].entries()) {
    const table = `j${i}`;
    const json = path.join(dir, `${table}.json`);
    const r = bsctl(['run', 'full-build', '--table', table, '--table-config', file, '--conf', `bsctl.join.strategy=${strategy}`, '--split-size', '4k', '--report-json', json]);
    t.is(r.code, 0, r.stderr);
    t.deepEqual(query(dir, table), expected, strategy);
    t.regex(r.stdout, /Join \(step 0\) with include-keys, semi/);
    t.regex(r.stdout, /Join \(step 3\) with side2, left/);
    const report = JSON.parse(fs.readFileSync(json, 'utf8')) as { counters: Record<string, Record<string, number>> };
    t.is(report.counters['full-build']?.['Documents indexed'], expected.length);
    // A side row without a document is dropped and, reduce-side, counted: rows 201..300 (34), the
    // multiples of 30 up to 180 (excluded documents: 6) and the row of no document.
    if (strategy === 'reduce') t.is(report.counters['Join side1']?.['Side records without a match'], 34 + 6 + 1);
  }
});

test('without a join section the full build runs no join step', (t) => {
  const dir = ownDir('fb-nojoin');
  fixture(dir);
  const file = path.join(dir, 'plain.json');
  fs.writeFileSync(file, JSON.stringify({ schema: SCHEMA, data: ['data/'], partitions: 2, indexRoot: 'index' }));
  const r = bsctl(['run', 'full-build', '--table', 'plain', '--table-config', file]);
  t.is(r.code, 0, r.stderr);
  t.notRegex(r.stdout, /Join/);
  t.is(query(dir, 'plain').length, N);
});

test('bad join config or side data: a clear error naming the key, the file or the key value; nothing published', (t) => {
  const dir = ownDir('fb-join-bad');
  const { config } = fixture(dir);
  const cases: [object, RegExp][] = [
    [{ sides: [{ data: ['side/hits.tsv'], columns: ['id', 'note', 'price'], key: 'id', fields: ['price'] }] }, /join\.sides\[0\]\.fields: no field "price" in the schema/],
    [{ sides: [{ data: ['side/hits.tsv'], columns: ['id', 'hits'], key: 'id', fields: ['title', 'hits'] }] }, /join\.sides\[0\]\.columns: has no column "title"/],
    [{ sides: [{ data: ['side/missing.tsv'], columns: ['id', 'hits'], key: 'id', fields: ['hits'] }] }, /join with side1: .*side\/missing\.tsv/],
    [{ includeKeys: { data: ['allow.txt'], on: 'nope' } }, /join\.includeKeys\.on: no field "nope" in the schema/],
    [{ excludeKeys: [] }, /join\.excludeKeys\.data: must be a non-empty list of paths/],
  ];
  for (const [i, [extra, message]] of cases.entries()) {
    const r = bsctl(['run', 'full-build', '--table', `bad${i}`, '--table-config', config(extra)]);
    t.is(r.code, 1, `case ${i}: ${r.stderr}`);
    t.regex(errorLines(r.stderr).join('\n'), message, `case ${i}`);
    t.deepEqual(listGenerations(path.join(dir, 'index'), `bad${i}`), [], `case ${i}`);
  }
  // A side declared unique (side tables are) with a key twice: the job fails naming the key.
  fs.appendFileSync(path.join(dir, 'side', 'hits.tsv'), '3\ty\t5\n');
  for (const strategy of ['replicated', 'reduce']) {
    const r = bsctl(['run', 'full-build', '--table', `dup${strategy}`, '--table-config', config(), '--conf', `bsctl.join.strategy=${strategy}`]);
    t.is(r.code, 1, r.stderr);
    t.regex(r.stderr, /join with side1: key "3" appears (more than once|2 times) on side side1, declared unique/, strategy);
    t.deepEqual(listGenerations(path.join(dir, 'index'), `dup${strategy}`), []);
  }
});
