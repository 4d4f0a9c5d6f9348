/** Package files: a partition uploaded as data + meta + version.0, unpacked to the very same files; bad metas refused. */
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { downloadGeneration, downloadPartition, PACKAGE_DATA, PACKAGE_META, packageMetaOf, parsePackageMeta, uploadPackedPartition } from '../framework/index/package-file.ts';
import { tempDir } from './helpers/cli.ts';
import { treeListing } from './helpers/tree.ts';

const tree = treeListing;

function partition(dir: string, name = 'partition_0_65535'): string {
  const p = path.join(dir, name);
  const seg = path.join(p, 'segment_0_level_0');
  fs.mkdirSync(path.join(seg, 'deletionmap'), { recursive: true });
  fs.mkdirSync(path.join(seg, 'index/title'), { recursive: true });
  fs.writeFileSync(path.join(seg, 'index/title/posting'), Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7) % 256)));
  fs.writeFileSync(path.join(seg, 'index/title/dictionary'), 'dict');
  fs.writeFileSync(path.join(seg, 'segment_info'), '{"DocCount":3}');
  fs.writeFileSync(path.join(seg, 'empty'), '');
  fs.writeFileSync(path.join(p, 'schema.json'), '{}');
  fs.writeFileSync(path.join(p, 'version.0'), '{"versionid":0}');
  return p;
}

test('a packed partition is three files; unpacked it is the partition again, empty directory and empty file included', async (t) => {
  const dir = tempDir('package-file');
  const src = partition(dir);
  const remote = path.join(dir, 'remote', 'partition_0_65535');
  const meta = await uploadPackedPartition(src, remote);
  t.deepEqual(fs.readdirSync(remote).sort(), [PACKAGE_DATA, PACKAGE_META, 'version.0']);
  t.is(fs.statSync(path.join(remote, PACKAGE_DATA)).size, 300_000 + 4 + 14 + 2);
  t.deepEqual(meta.files.map((f) => f.path), ['schema.json', 'segment_0_level_0/empty', 'segment_0_level_0/index/title/dictionary', 'segment_0_level_0/index/title/posting', 'segment_0_level_0/segment_info']);
  t.deepEqual(meta.dirs, ['segment_0_level_0', 'segment_0_level_0/deletionmap', 'segment_0_level_0/index', 'segment_0_level_0/index/title']);
  const back = path.join(dir, 'back');
  t.is(await downloadPartition(remote, back), 6);
  t.deepEqual(tree(back), tree(src));
});

test('a generation mixing a packed partition, a plain one (older bsctl) and _SUCCESS comes back in the plain layout', async (t) => {
  const dir = tempDir('package-gen');
  const a = partition(path.join(dir, 'src'), 'partition_0_32767');
  const b = partition(path.join(dir, 'src'), 'partition_32768_65535');
  fs.writeFileSync(path.join(dir, 'src', '_SUCCESS'), '');
  const gen = path.join(dir, 'generation_0');
  await uploadPackedPartition(a, path.join(gen, 'partition_0_32767'));
  fs.cpSync(b, path.join(gen, 'partition_32768_65535'), { recursive: true });
  fs.writeFileSync(path.join(gen, '_SUCCESS'), '');
  const back = path.join(dir, 'back');
  await downloadGeneration(gen, back);
  t.deepEqual(tree(back), tree(path.join(dir, 'src')));
});

test('bad metas are refused naming the meta file and the entry; nothing is written outside the partition', async (t) => {
  const file = 'hdfs:///idx/t/generation_0/partition_0_65535/package_file.__meta__';
  const meta = (files: unknown, dirs: unknown = []): string => JSON.stringify({ format: 'bsctl-package-1', data: PACKAGE_DATA, dirs, files });
  const refused = (text: string, length: number, why: RegExp): void => {
    const err = t.throws(() => parsePackageMeta(text, file, length));
    t.true(err.message.startsWith(`unpack ${file}: `), err.message);
    t.regex(err.message, why);
  };
  refused('{"format"', 0, /not JSON/);
  refused(JSON.stringify({ format: 'zip' }), 0, /not a bsctl-package-1 meta/);
  refused(meta([{ path: '../../etc/passwd', offset: 0, length: 1 }]), 1, /files\[0\] path "..\/..\/etc\/passwd" is not a path inside the partition/);
  refused(meta([{ path: '/etc/passwd', offset: 0, length: 1 }]), 1, /files\[0\] path/);
  refused(meta([{ path: 'a/./b', offset: 0, length: 1 }]), 1, /files\[0\] path/);
  refused(meta([], ['ok', 'x/../..']), 0, /dirs\[1\] "x\/..\/.."/);
  refused(meta([{ path: 'version.0', offset: 0, length: 1 }]), 1, /files\[0\] path "version.0"/);
  refused(meta([{ path: 'a', offset: 0, length: 2 }, { path: 'b', offset: 3, length: 1 }]), 4, /files\[1\] \(b\) starts at 3, expected 2/);
  refused(meta([{ path: 'a', offset: 0, length: -1 }]), 0, /files\[0\] \(a\) length -1 is not a byte count/);
  refused(meta([{ path: 'a', offset: 0, length: 2 }]), 5, /the files add up to 2 bytes but package_file.__data__0 holds 5/);

  // End to end: a meta naming a path outside is refused before any file is written.
  const dir = tempDir('package-bad');
  const remote = path.join(dir, 'generation_0', 'partition_0_65535');
  await uploadPackedPartition(partition(path.join(dir, 'src')), remote);
  const good = packageMetaOf(path.join(dir, 'src', 'partition_0_65535'));
  const evil = { ...good, files: good.files.map((f, i) => (i === 0 ? { ...f, path: '../../outside' } : f)) };
  fs.writeFileSync(path.join(remote, PACKAGE_META), JSON.stringify(evil));
  const back = path.join(dir, 'back', 'p');
  await t.throwsAsync(downloadPartition(remote, back), { message: /files\[0\] path "..\/..\/outside" is not a path inside the partition/ });
  t.false(fs.existsSync(path.join(dir, 'outside')));
  t.false(fs.existsSync(back));
});
