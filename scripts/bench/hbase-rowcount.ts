import { defineJob, hbaseInput, textOutput } from '../../framework/job/index.ts';

/**
 * bsctl's side of `npm run bench:hbase` beside HBase's RowCounter: every row of an HBase table read once
 * (one column, as RowCounter reads only each row's first cell), counted in the `Rows` counter.
 */
export default defineJob({ name: 'hbase-rowcount', description: 'bench: count the rows of an HBase table', input: hbaseInput({ columns: ['cf:id'] }) })
  .step({
    map: (_row, _cells, ctx) => {
      ctx.counter('Rows', 'hbase').increment();
    },
  })
  .output(textOutput<string, string>());
