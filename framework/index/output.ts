import fs from 'node:fs';
import { copyTree } from '../fs/copy.ts';
import { isLocal, joinPath } from '../fs/resolve.ts';
import path from 'node:path';
import type { OutputFormat, RecordWriter } from '../output/types.ts';
import { partitionName } from './layout.ts';
import { uploadPackedPartition } from './package-file.ts';
import type { TableSchema } from './schema/model.ts';
import { SegmentWriter } from './segment/writer.ts';
import { splitRange } from './shard.ts';
import type { FieldValue } from './values.ts';
import { defaultWorkRoot } from '../fs/work-root.ts';

/** Configuration keys the index output reads (set by the full-build plan). */
export const CONF_SCHEMA = 'fullbuild.schema';
export const CONF_POSTINGS_MB = 'fullbuild.postings.mb';
/** `false`: a partition on a remote FileSystem is uploaded as its plain files, not as a package file. */
export const CONF_PACKAGE = 'fullbuild.package';

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
      const name = partitionName(range.from, range.to);
      // Under the job's work dir (see RunOptions.workRoot), which the driver removes when the job ends,
      // so even a killed attempt leaves nothing behind.
      const scratch = path.join(defaultWorkRoot(), task.jobId, `index-${task.dir.slice(task.dir.lastIndexOf('/') + 1)}`);
      // Segments are written with local files; on HDFS the finished partition is uploaded (as a package
      // file unless conf says not), version.0 last.
      const local = isLocal(task.dir);
      const packed = task.conf[CONF_PACKAGE] !== 'false';
      const partitionDir = local ? path.join(task.dir, name) : path.join(scratch, name);
      // Let go of once closed: its buffers are garbage while the partition uploads.
      let segment: SegmentWriter | undefined = new SegmentWriter(partitionDir, schema, {
        postingsBudget: Number(task.conf[CONF_POSTINGS_MB] ?? '48') * 1024 * 1024,
        scratch: path.join(scratch, 'postings'),
      });
      const open = (): SegmentWriter => {
        if (!segment) throw new Error(`index partition ${name}: written after close`);
        return segment;
      };
      return {
        write: (pk, doc) => open().add(pk, doc),
        flush: async () => {},
        close: async () => {
          open().close();
          segment = undefined;
          if (!local) {
            task.uploading?.();
            const remote = joinPath(task.dir, name);
            if (packed) await uploadPackedPartition(partitionDir, remote);
            else await copyTree(partitionDir, remote, { last: ['version.0'] });
          }
          fs.rmSync(scratch, { recursive: true, force: true });
        },
        abort: async () => {
          segment?.abort();
          segment = undefined;
          fs.rmSync(scratch, { recursive: true, force: true });
        },
        get bytesWritten() {
          return 0;
        },
      };
    },
  };
}
