/** copyTree: every file and empty directory copied; the `last` files land only after all others. */
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { copyTree } from '../framework/fs/copy.ts';
import { tempDir } from './helpers/cli.ts';
import { treeListing } from './helpers/tree.ts';

const tree = treeListing;

function source(dir: string): string {
  const src = path.join(dir, 'src');
  fs.mkdirSync(path.join(src, 'seg/index/a'), { recursive: true });
  fs.mkdirSync(path.join(src, 'seg/empty'), { recursive: true });
  fs.writeFileSync(path.join(src, 'seg/index/a/posting'), 'p'.repeat(5000));
  fs.writeFileSync(path.join(src, 'seg/index/a/dictionary'), 'd');
  fs.writeFileSync(path.join(src, 'schema.json'), '{}');
  fs.writeFileSync(path.join(src, 'version.0'), 'v');
  return src;
}

test('copyTree copies files and empty directories alike; the last names are renamed into place, no temporary left', async (t) => {
  const dir = tempDir('copy-tree');
  const src = source(dir);
  const dest = path.join(dir, 'dest');
  t.is(await copyTree(src, dest, { last: ['version.0'] }), 4);
  t.deepEqual(tree(dest), tree(src));
});

test('copyTree that fails part way leaves the last names out: the copy is not marked complete', async (t) => {
  const dir = tempDir('copy-tree-fail');
  const src = source(dir);
  const dest = path.join(dir, 'dest');
  // A file where a directory of the tree must go: that directory cannot be made.
  fs.mkdirSync(path.join(dest, 'seg'), { recursive: true });
  fs.writeFileSync(path.join(dest, 'seg/index'), 'in the way');
  await t.throwsAsync(copyTree(src, dest, { last: ['version.0'] }));
  t.false(fs.existsSync(path.join(dest, 'version.0')));
  t.is(fs.readFileSync(path.join(dest, 'seg/index'), 'utf8'), 'in the way');
});
