import os from 'node:os';
import path from 'node:path';
import type { OutputFormat, RecordWriter } from '../output/types.ts';
import { partitionName } from './layout.ts';
import type { TableSchema } from './schema/model.ts';
import { SegmentWriter } from './segment/writer.ts';
import { splitRange } from './shard.ts';
import type { FieldValue } from './values.ts';

/** Configuration keys the index output reads (set by the full-build plan). */
export const CONF_SCHEMA = 'fullbuild.schema';
export const CONF_POSTINGS_MB = 'fullbuild.postings.mb';

/**
 * The full index as an OutputFormat: reduce task i writes `partition_<from>_<to>/` (the i-th of
 * splitRange(numTasks)) into its attempt directory, documents arriving in primary-key order.
 */
export function indexOutput(): OutputFormat<string, Record<string, FieldValue>> {
  return {
    name: 'havenask-index',
    extension: '',
    createRecordWriter(_path, task): RecordWriter<string, Record<string, FieldValue>> {
      const schemaJson = task.conf[CONF_SCHEMA];
      if (!schemaJson) throw new Error(`index output needs the table schema in conf "${CONF_SCHEMA}"`);
      const schema = JSON.parse(schemaJson) as TableSchema;
      const range = splitRange(task.numTasks)[task.taskIndex]!;
      const writer = new SegmentWriter(path.join(task.dir, partitionName(range.from, range.to)), schema, {
        postingsBudget: Number(task.conf[CONF_POSTINGS_MB] ?? '48') * 1024 * 1024,
        scratch: path.join(os.tmpdir(), `bsctl-${os.userInfo().uid}`, `postings-${path.basename(task.dir)}`),
      });
      return {
        write: (pk, doc) => writer.add(pk, doc),
        flush: async () => {},
        close: async () => writer.close(),
        get bytesWritten() {
          return 0;
        },
      };
    },
  };
}
