import test from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bsctl, errorLines, leftovers, outputLines, tempDir } from '../helpers/cli.ts';

// Issue 9, defects 2 and 3: --overwrite never deletes an input or anything that is not a previous
// bsctl output; table names never escape the index root. Every case goes through the real CLI.

const dir = tempDir('output-safety');
test.after.always(() => fs.rmSync(dir, { recursive: true, force: true }));

function setup(name: string): { root: string; input: string } {
  const root = path.join(dir, name);
  const input = path.join(root, 'in');
  fs.mkdirSync(input, { recursive: true });
  fs.writeFileSync(path.join(input, 'a.txt'), 'red green red\nblue\n');
  return { root, input };
}

/** Every file under `d` (relative path → contents), to prove nothing changed. */
function snapshot(d: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (p: string): void => {
    for (const e of fs.readdirSync(p, { withFileTypes: true })) {
      const f = path.join(p, e.name);
      if (e.isDirectory()) walk(f);
      else out[path.relative(d, f)] = fs.readFileSync(f, 'utf8');
    }
  };
  walk(d);
  return out;
}

test('--output equal to the input with --overwrite is refused before any task; the input stays', (t) => {
  const { input } = setup('same');
  const before = snapshot(input);
  const r = bsctl(['run', 'word-count', '--input', input, '--output', input, '--overwrite']);
  t.is(r.code, 1);
  t.deepEqual(errorLines(r.stderr), [`bsctl: error: --output ${input}: is the input ${input}; write the output somewhere else`]);
  t.notRegex(r.stderr, /map \d+%|split\(s\)/); // refused before planning splits or running tasks
  t.deepEqual(snapshot(input), before);
});

test('an output that contains the input, or lies inside it, is refused', (t) => {
  const { root, input } = setup('nest');
  const before = snapshot(input);
  const up = bsctl(['run', 'word-count', '--input', input, '--output', root, '--overwrite']);
  t.is(up.code, 1);
  t.regex(up.stderr, new RegExp(`--output ${root}: contains the input ${input}`));
  const inside = bsctl(['run', 'word-count', '--input', input, '--output', path.join(input, 'out')]);
  t.is(inside.code, 1);
  t.regex(inside.stderr, /lies inside the input/);
  // Through a symlink too: the link is resolved before comparing.
  fs.symlinkSync(input, path.join(root, 'link'));
  const viaLink = bsctl(['run', 'word-count', '--input', path.join(root, 'link'), '--output', input, '--overwrite']);
  t.is(viaLink.code, 1);
  t.regex(viaLink.stderr, /is the input/);
  t.deepEqual(snapshot(input), before);
  t.deepEqual(fs.readdirSync(root).sort(), ['in', 'link']);
});

test('a glob input: an output the pattern matches is refused; one beside it is not', (t) => {
  const { root, input } = setup('glob');
  const matched = bsctl(['run', 'word-count', '--input', path.join(input, '*'), '--output', path.join(input, 'out')]);
  t.is(matched.code, 1);
  t.regex(matched.stderr, /lies inside \(or is matched by\) the input/);
  const beside = bsctl(['run', 'word-count', '--input', path.join(input, '*.txt'), '--output', path.join(root, 'out')]);
  t.is(beside.code, 0, beside.stderr);
  t.is(outputLines(path.join(root, 'out')), 'blue\t1\ngreen\t1\nred\t2');
});

test('--overwrite refuses /, the home directory and the current directory at once (no EBUSY after the job)', (t) => {
  const { input } = setup('protected');
  for (const [out, what] of [['/', 'the root directory'], [os.homedir(), 'your home directory']] as const) {
    const r = bsctl(['run', 'word-count', '--input', input, '--output', out, '--overwrite'], { cwd: dir });
    t.is(r.code, 1);
    t.true(r.stderr.includes(`is ${what}; bsctl never writes a job output there`) || /contains the input/.test(r.stderr), r.stderr);
  }
  const cwd = path.join(dir, 'protected', 'cwd');
  fs.mkdirSync(cwd);
  fs.writeFileSync(path.join(cwd, 'precious'), 'keep me');
  const here = bsctl(['run', 'word-count', '--input', input, '--output', '.', '--overwrite'], { cwd });
  t.is(here.code, 1);
  t.regex(here.stderr, /is the current directory; bsctl never writes a job output there/);
  const parent = bsctl(['run', 'word-count', '--input', input, '--output', '..', '--overwrite', '--force-overwrite'], { cwd });
  t.is(parent.code, 1);
  t.regex(parent.stderr, /contains the input|an ancestor of the current directory/);
  t.is(fs.readFileSync(path.join(cwd, 'precious'), 'utf8'), 'keep me');
});

test('--overwrite replaces only a previous bsctl output; anything else needs --force-overwrite', (t) => {
  const { root, input } = setup('replace');
  const mine = path.join(root, 'mine');
  fs.mkdirSync(mine);
  fs.writeFileSync(path.join(mine, 'notes.txt'), 'not a bsctl output');
  const refused = bsctl(['run', 'word-count', '--input', input, '--output', mine, '--overwrite']);
  t.is(refused.code, 1);
  t.regex(refused.stderr, /does not look like a previous bsctl output \(no _SUCCESS, not a generation\); not replacing it \(add --force-overwrite/);
  t.deepEqual(snapshot(mine), { 'notes.txt': 'not a bsctl output' });
  t.deepEqual(leftovers(mine), []);

  const out = path.join(root, 'out');
  t.is(bsctl(['run', 'word-count', '--input', input, '--output', out]).code, 0);
  t.true(fs.existsSync(path.join(out, '_SUCCESS')));
  t.false(fs.existsSync(path.join(out, '_bsctl_owner.json')), 'the owner record never stays in a published output');
  fs.appendFileSync(path.join(input, 'a.txt'), 'blue\n');
  const again = bsctl(['run', 'word-count', '--input', input, '--output', out, '--overwrite']);
  t.is(again.code, 0, again.stderr);
  t.is(outputLines(out), 'blue\t2\ngreen\t1\nred\t2');

  const forced = bsctl(['run', 'word-count', '--input', input, '--output', mine, '--overwrite', '--force-overwrite']);
  t.is(forced.code, 0, forced.stderr);
  t.is(outputLines(mine), 'blue\t2\ngreen\t1\nred\t2');
  t.deepEqual(leftovers(mine), []);
});

test('table names that are not Havenask identifiers are refused before anything runs or is written', (t) => {
  const root = path.join(dir, 'tables', 'index');
  fs.mkdirSync(root, { recursive: true });
  for (const bad of ['../../etc', 'a/b', '.', '..', 'x\ny', 'in1;rm -rf ~', '$(id)', 'white space', '1abc', '']) {
    const r = bsctl(['run', 'full-build', '--table', bad, '--schema', 'fixtures/in1/schema.json', '--data', 'fixtures/in1/data', '--index-root', root]);
    t.not(r.code, 0, `table ${JSON.stringify(bad)}`);
    t.regex(r.stderr, bad === '' ? /--table is required/ : /--table: invalid table name .*: use a letter, then letters, digits or _/);
  }
  // Nothing was created anywhere near the index root.
  t.deepEqual(fs.readdirSync(path.join(dir, 'tables')), ['index']);
  t.deepEqual(fs.readdirSync(root), []);
  for (const cmd of [['query', '--table', '../x', 'select 1'], ['status', '--table', '../x'], ['index', 'ls', '--table', 'a/b']]) {
    const r = bsctl(cmd);
    t.is(r.code, 1, cmd.join(' '));
    t.regex(r.stderr, /invalid table name/);
  }
});
