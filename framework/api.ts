/**
 * The package's public entry: what `import { defineJob, sum, textInput, textOutput } from 'bsctl'` gives a
 * job (package.json `exports`). Everything else under framework/ is internal.
 */
export * from './job/index.ts';
