import test from 'ava';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { BSCTL, outputLines, tempDir } from '../helpers/cli.ts';
import { testCluster } from '../helpers/cluster.ts';
import { cleanEnv, installPackedBsctl } from '../helpers/install.ts';

// Outside the repository (os.tmpdir()), so nothing resolves through the repository's node_modules.
const dir = tempDir('package');
const project = path.join(dir, 'my-project');
fs.mkdirSync(project);
test.after.always(() => fs.rmSync(dir, { recursive: true, force: true }));

const INPUT = 'the quick fox\nThe lazy dog the end\n';
/** A user's job, importing the framework by package name, with its own logic (upper-cased words). */
const MY_JOB = `import { defineJob, sum, textInput, textOutput } from 'bsctl';

export default defineJob({ name: 'my-job', description: 'upper-cased word count', input: textInput() })
  .step({
    map: function* (_offset, line) {
      for (const w of line.split(/\\s+/)) if (w) yield [w.toUpperCase(), 1] as const;
    },
    combine: sum,
    reduce: function* (word, counts) {
      let n = 0;
      for (const c of counts) n += c;
      yield [word, n] as const;
    },
  })
  .output(textOutput<string, number>());
`;

let packedFiles: string[] = [];
test.before(() => {
  packedFiles = installPackedBsctl(project);
  fs.writeFileSync(path.join(project, 'my-job.ts'), MY_JOB);
  fs.writeFileSync(path.join(project, 'in.txt'), INPUT);
});

function npx(args: readonly string[]): { code: number | null; out: string } {
  const r = spawnSync('npx', ['--no-install', 'bsctl', ...args], { cwd: project, encoding: 'utf8', env: cleanEnv() });
  return { code: r.status, out: `${r.stdout}\n${r.stderr}` };
}

test.serial('the packed tarball ships the runtime, not the tests', (t) => {
  t.true(packedFiles.includes('bin/bsctl.js'));
  t.true(packedFiles.includes('framework/api.ts'));
  t.true(packedFiles.includes('jobs/word-count.ts'));
  t.false(packedFiles.some((f) => f.startsWith('test/')), packedFiles.filter((f) => f.startsWith('test/')).join(', '));
  t.true(fs.lstatSync(path.join(project, 'node_modules/bsctl')).isDirectory(), 'installed from the tarball, not linked');
});

test.serial("installed as a dependency: `npx bsctl run ./my-job.ts` runs the user's job importing 'bsctl'", (t) => {
  const r = npx(['run', './my-job.ts', '--input', 'in.txt', '--output', 'out']);
  t.is(r.code, 0, r.out);
  t.is(outputLines(path.join(project, 'out')), 'DOG\t1\nEND\t1\nFOX\t1\nLAZY\t1\nQUICK\t1\nTHE\t3');
  t.true(fs.existsSync(path.join(project, 'out/_SUCCESS')));
});

test.serial('installed as a dependency: a bundled job (importing bsctl by its own name) runs by name', (t) => {
  const r = npx(['run', 'word-count', '--input', 'in.txt', '--output', 'wc']);
  t.is(r.code, 0, r.out);
  t.is(outputLines(path.join(project, 'wc')), 'dog\t1\nend\t1\nfox\t1\nlazy\t1\nquick\t1\nthe\t3');
});

test.serial("installed as a dependency: the user's job runs on SSH hosts (the worker bundle resolves 'bsctl')", (t) => {
  const r = npx(['run', './my-job.ts', '--input', 'in.txt', '--output', 'out-cluster', '--runner', 'cluster', '--cluster', testCluster().file]);
  t.is(r.code, 0, r.out);
  t.regex(r.out, /runner cluster/);
  t.is(outputLines(path.join(project, 'out-cluster')), 'DOG\t1\nEND\t1\nFOX\t1\nLAZY\t1\nQUICK\t1\nTHE\t3');
});

test.serial('`node <repo>/bin/bsctl.js run word-count` works from a directory outside the repository', (t) => {
  const cwd = tempDir('package-cwd');
  try {
    fs.writeFileSync(path.join(cwd, 'in.txt'), INPUT);
    const r = spawnSync(process.execPath, [BSCTL, 'run', 'word-count', '--input', 'in.txt', '--output', 'out'], { cwd, encoding: 'utf8', env: cleanEnv() });
    t.is(r.status, 0, r.stderr);
    t.is(outputLines(path.join(cwd, 'out')), 'dog\t1\nend\t1\nfox\t1\nlazy\t1\nquick\t1\nthe\t3');
  } finally {
    fs.rmSync(cwd, { recursive: true, force: true });
  }
});
