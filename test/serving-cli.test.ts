import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { bsctl, errorLines, tempDir } from './helpers/cli.ts';

const root = tempDir('serving-cli');
test.after.always(() => fs.rmSync(root, { recursive: true, force: true }));

const linesOf = (s: string): string[] => s.split('\n').filter(Boolean);

// One serial flow: NOT_READY → build → READY → queries / ls / dump.
test.serial('before a build: status NOT_READY (exit 0), query fails with one line (exit 1)', (t) => {
  const s = bsctl(['status', '--table', 'in1', '--index-root', root]);
  t.is(s.code, 0, s.stderr);
  t.is(s.stdout, '{"in1":{"status":"NOT_READY"}}\n');
  const q = bsctl(['query', '--table', 'in1', '--index-root', root, 'select * from in1']);
  t.is(q.code, 1);
  t.is(q.stdout, '');
  t.deepEqual(errorLines(q.stderr), [`bsctl: error: table in1: no published generation under ${root} (build one: bsctl run full-build --table in1)`]);
});

test.serial('after `bsctl run full-build`: status READY with the generation and partitions', (t) => {
  const b = bsctl(['run', 'full-build', '--table', 'in1', '--index-root', root, '--runner', 'inline']);
  t.is(b.code, 0, b.stderr);
  const s = bsctl(['status', '--table', 'in1', '--index-root', root]);
  t.is(s.code, 0, s.stderr);
  t.is(s.stdout, '{"in1":{"status":"READY","generationId":0,"partitions":["partition_0_32767","partition_32768_65535"]}}\n');
});

test.serial('bsctl query prints JSON lines; 64-bit values exact; the table defaults to the one the SQL names', (t) => {
  const q = bsctl(['query', '--table', 'in1', '--index-root', root, 'select id, createtime from in1 where id in (3, 6) order by id']);
  t.is(q.code, 0, q.stderr);
  t.is(q.stdout, '{"id":3,"createtime":9223372036854775807}\n{"id":6,"createtime":18446744073709551615}\n');
  const c = bsctl(['query', '--index-root', root, 'select count(*) from in1']);
  t.is(c.code, 0, c.stderr);
  t.is(c.stdout, '{"COUNT(*)":12}\n');
  const m = bsctl(['query', '--index-root', root, "select id, hits from in1 where MATCHINDEX('title', '搜索词典')"]);
  t.is(m.stdout, '{"id":2,"hits":70}\n');
  const s = bsctl(['query', '--index-root', root, 'select title, subject from in1_summary_ where id=1 or id=2']);
  t.deepEqual(linesOf(s.stdout).sort(), [
    '{"title":"nightly full build","subject":"search engine tables built every night"}',
    '{"title":"搜索词典","subject":"用户 自定义 词典 搜索 更新"}',
  ]);
  const j = bsctl(['query', '--index-root', root, "select in1_summary_.id, in1_summary_.title from in1 inner join in1_summary_ on in1.id=in1_summary_.id where MATCHINDEX('default', '阿里巴巴集团')"]);
  t.deepEqual(linesOf(j.stdout).sort(), ['{"id":3,"title":"阿里巴巴集团"}', '{"id":8,"title":"蚂蚁集团"}']);
  const all = bsctl(['query', '--index-root', root, 'select * from in1']);
  t.is(linesOf(all.stdout).length, 12);
  t.true(all.stdout.includes('"createtime":18446744073709551615,"tags":["unicode"]'));
});

test.serial('bsctl query: unsupported SQL is one error line and exit 1', (t) => {
  const q = bsctl(['query', '--table', 'in1', '--index-root', root, 'select id from in1 group by id']);
  t.is(q.code, 1);
  t.is(q.stdout, '');
  t.deepEqual(errorLines(q.stderr), ['bsctl: error: unsupported SQL: GROUP BY']);
  const u = bsctl(['query', '--index-root', root, 'select id from nope']);
  t.is(u.code, 1);
  t.deepEqual(errorLines(u.stderr), [`bsctl: error: table nope: no published generation under ${root} (build one: bsctl run full-build --table nope)`]);
});

test.serial('bsctl index ls (text and --json) and index dump', (t) => {
  const ls = bsctl(['index', 'ls', '--table', 'in1', '--index-root', root]);
  t.is(ls.code, 0, ls.stderr);
  const text = linesOf(ls.stdout);
  t.is(text[0], `table in1 under ${root}: 1 generation(s), serving generation_0`);
  t.regex(text[1]!, /^generation_0 {2}serving {2}2 partition\(s\) {2}12 docs {2}\d+ bytes$/);
  t.regex(text[2]!, /^ {2}partition_0_32767 {6}version\.0 {2}\d+ docs {2}\d+ bytes$/);
  t.regex(text[3]!, /^ {2}partition_32768_65535 {2}version\.0 {2}\d+ docs {2}\d+ bytes$/);

  const js = bsctl(['index', 'ls', '--table', 'in1', '--index-root', root, '--json']);
  t.is(js.code, 0, js.stderr);
  const inv = JSON.parse(js.stdout) as { servingGeneration: number; generations: { id: number; docCount: number; bytes: number; partitions: { name: string; docCount: number; bytes: number }[] }[] };
  t.is(inv.servingGeneration, 0);
  t.is(inv.generations[0]!.docCount, 12);
  const parts = inv.generations[0]!.partitions;
  t.deepEqual(parts.map((p) => p.name), ['partition_0_32767', 'partition_32768_65535']);
  for (const p of parts) {
    let bytes = 0;
    const walk = (d: string): void => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        if (e.isDirectory()) walk(path.join(d, e.name));
        else bytes += fs.statSync(path.join(d, e.name)).size;
      }
    };
    walk(path.join(root, 'in1', 'generation_0', p.name));
    t.is(p.bytes, bytes);
  }

  const dumped: string[] = [];
  for (const p of parts) {
    const d = bsctl(['index', 'dump', '--table', 'in1', '--index-root', root, '--partition', p.name.replace('partition_', '')]);
    t.is(d.code, 0, d.stderr);
    t.is(linesOf(d.stdout).length, p.docCount);
    dumped.push(...linesOf(d.stdout));
  }
  t.true(dumped.includes('{"id":6,"hits":3,"title":"ｆｕｌｌ－ｗｉｄｔｈ ＴＥＸＴ","subject":"width insensitive search","createtime":18446744073709551615,"tags":["unicode"]}'));
  t.true(dumped.some((l) => l === '{"id":3,"hits":30,"title":"阿里巴巴集团","subject":"蚂蚁集团","createtime":9223372036854775807,"tags":["alibaba","cn"]}'));
  t.true(dumped.some((l) => l === '{"id":5,"hits":56,"title":"Fair Scheduler pools","subject":"weights and min shares","createtime":1700000000005,"tags":["scheduler","hadoop"]}'));
  t.false(dumped.some((l) => l.startsWith('{"id":9,')), 'the deleted document is gone');

  const bad = bsctl(['index', 'dump', '--table', 'in1', '--index-root', root, '--partition', '1_2']);
  t.is(bad.code, 1);
  t.deepEqual(errorLines(bad.stderr), ['bsctl: error: table in1 generation 0 has no partition_1_2 (it has partition_0_32767, partition_32768_65535)']);
});
