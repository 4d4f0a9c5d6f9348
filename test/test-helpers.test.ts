/**
 * The test helpers the other tests rely on to be trustworthy: shared fixtures found beside the
 * repository wherever it is cloned (and a missing one failing under CI=true), and waitFor (wait for
 * an event, with a deadline, never a fixed sleep).
 */
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, tempDir } from './helpers/cli.ts';
import { isCi, lookupShared, SHARED } from './helpers/shared-fixtures.ts';
import { waitFor } from './helpers/wait.ts';

const dir = tempDir('test-helpers');
test.after.always(() => fs.rmSync(dir, { recursive: true, force: true }));

test('the shared folder is the repository\'s sibling ../shared', (t) => {
  t.is(SHARED, path.resolve(ROOT, '..', 'shared'));
});

test('lookupShared: a clone in any folder finds the shared/ beside it; a missing file is named; CI=true makes it required', (t) => {
  // CI: the repo cloned as <ci>/checkout with a copy of shared/ beside it.
  const ci = path.join(dir, 'ci');
  const repo = path.join(ci, 'checkout');
  fs.mkdirSync(repo, { recursive: true });
  fs.mkdirSync(path.join(ci, 'shared/fixtures/havenask/data'), { recursive: true });
  fs.writeFileSync(path.join(ci, 'shared/fixtures/havenask/data/test.data'), 'x');
  t.deepEqual(lookupShared(repo, 'fixtures/havenask/data', ['test.data'], {}), { found: true, dir: path.join(ci, 'shared/fixtures/havenask/data') });

  const missingFile = path.join(ci, 'shared/fixtures/havenask/data/rt.data');
  const local = lookupShared(repo, 'fixtures/havenask/data', ['test.data', 'rt.data'], {});
  t.like(local, { found: false, missing: missingFile, required: false });
  const underCi = lookupShared(repo, 'fixtures/havenask/data', ['test.data', 'rt.data'], { CI: 'true' });
  t.like(underCi, { found: false, missing: missingFile, required: true });
  if (underCi.found) return;
  t.is(underCi.message, `shared fixture missing: ${missingFile} (the shared folder must sit beside the repository, at ${path.join(ci, 'shared')}); CI=true: a missing fixture fails the run`);

  // No shared/ at all beside a repo: the directory itself is what is missing.
  const lone = path.join(dir, 'lone', 'repo');
  fs.mkdirSync(lone, { recursive: true });
  t.like(lookupShared(lone, 'fixtures/havenask', [], { CI: 'true' }), { found: false, missing: path.join(dir, 'lone', 'shared/fixtures/havenask'), required: true });
});

test('isCi: CI=true (or 1) only', (t) => {
  t.true(isCi({ CI: 'true' }));
  t.true(isCi({ CI: 'TRUE' }));
  t.true(isCi({ CI: '1' }));
  t.false(isCi({}));
  t.false(isCi({ CI: '' }));
  t.false(isCi({ CI: 'false' }));
  t.false(isCi({ CI: '0' }));
});

test('waitFor resolves with the first truthy value of the condition, sync or async', async (t) => {
  let n = 0;
  t.is(await waitFor(() => (++n >= 3 ? `after ${n}` : undefined), { what: 'three polls', intervalMs: 1 }), 'after 3');
  let m = 0;
  t.deepEqual(await waitFor(async () => (++m >= 2 ? { m } : false), { what: 'two polls', intervalMs: 1 }), { m: 2 });
});

test('waitFor rejects past its deadline, naming what it waited for', async (t) => {
  let polls = 0;
  await t.throwsAsync(
    waitFor(() => {
      polls++;
      return false;
    }, { what: 'a thing that never happens', timeoutMs: 300, intervalMs: 5 }),
    { message: 'timed out after 300 ms waiting for a thing that never happens' },
  );
  t.true(polls >= 2, `polled ${polls} times`);
});
