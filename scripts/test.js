#!/usr/bin/env node
// `npm test`: type-check (including the type-level tests), then every ava test; ends with a line
// `N passed, N failed` counted from ava's results.
import { spawnSync, spawn } from 'node:child_process';

const tsc = spawnSync('npx', ['tsc', '--noEmit', '-p', 'tsconfig.json'], { stdio: 'inherit' });
const typecheckFailed = tsc.status !== 0;
if (typecheckFailed) console.error('typecheck failed (see above)');

const child = spawn('npx', ['ava', '--tap', ...process.argv.slice(2)], { stdio: ['ignore', 'pipe', 'inherit'] });
let passed = 0;
let failed = 0;
let skipped = 0;
let buffered = '';
child.stdout.setEncoding('utf8').on('data', (chunk) => {
  process.stdout.write(chunk);
  buffered += chunk;
  const lines = buffered.split('\n');
  buffered = lines.pop() ?? '';
  for (const line of lines) {
    if (/^ok \d+/.test(line)) {
      if (/# SKIP|# TODO/.test(line)) skipped++;
      else passed++;
    } else if (/^not ok \d+/.test(line)) failed++;
  }
});
child.on('close', (code) => {
  if (typecheckFailed) failed++;
  if (code !== 0 && failed === 0) failed = 1; // ava itself failed (e.g. a crash before any test)
  console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
  process.exitCode = failed > 0 || code !== 0 ? 1 : 0;
});
