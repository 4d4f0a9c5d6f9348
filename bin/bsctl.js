#!/usr/bin/env node
// Entry point: load TypeScript sources (the framework and users' .ts jobs) through tsx, no build step.
import { register as registerEsm } from 'tsx/esm/api';
import { register as registerCjs } from 'tsx/cjs/api';

registerEsm();
registerCjs();
const { main } = await import('../framework/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
