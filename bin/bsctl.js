#!/usr/bin/env node
// Entry point: load TypeScript sources (the framework and users' .ts jobs) through tsx, no build step.
import { register as registerEsm } from 'tsx/esm/api';
import { register as registerCjs } from 'tsx/cjs/api';

// A reader that went away (`bsctl fs cat ... | head`) ends the output, not the command with a stack trace.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});
registerEsm();
registerCjs();
const { main } = await import('../framework/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
