import test from 'ava';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

test('a job whose reducer input does not match the mapper output does not compile', (t) => {
  const r = spawnSync(
    'npx',
    ['tsc', '--noEmit', '--strict', '--module', 'NodeNext', '--moduleResolution', 'NodeNext', '--target', 'ES2022', '--allowImportingTsExtensions', '--skipLibCheck', '--types', 'node', 'test/fixtures/type-errors/mismatch.ts'],
    { cwd: ROOT, encoding: 'utf8' },
  );
  t.not(r.status, 0, 'tsc accepted a mismatched job');
  t.regex(r.stdout, /mismatch\.ts\(\d+,\d+\): error TS2322/);
  t.regex(r.stdout, /Iterable<string>|string.*number|number.*string/);
});
