import { ByteSink } from './bytes.ts';
import { encodeValue, decodeValue } from './codec.ts';
import { SegmentReader } from './segment.ts';
import { fileSplits } from '../input/splits.ts';
import type { InputFormat, RecordReader } from '../input/types.ts';
import { StreamWriter } from '../output/stream-writer.ts';
import type { OutputFormat } from '../output/types.ts';

/** Binary (key, value) records passed between the steps of a multi-step job (like a SequenceFile). */
export function intermediateOutput(): OutputFormat<unknown, unknown> {
  return {
    name: 'intermediate',
    extension: '.kv',
    createRecordWriter(path) {
      const out = new StreamWriter(path);
      const sink = new ByteSink(64 * 1024);
      return {
        write(k, v) {
          sink.record(encodeValue(k), encodeValue(v));
          if (sink.length >= 64 * 1024) {
            out.write(Buffer.from(sink.buf.subarray(0, sink.length)));
            sink.reset();
          }
        },
        flush: () => out.flush(),
        async close() {
          if (sink.length > 0) out.write(Buffer.from(sink.buf.subarray(0, sink.length)));
          await out.close();
        },
        get bytesWritten() {
          return out.bytesWritten;
        },
      };
    },
  };
}

const RECORDS_PER_CHUNK = 4096;

/** Reads intermediate files, one split per file (they are not splittable). */
export function intermediateInput(): InputFormat<unknown, unknown> {
  return {
    name: 'intermediate',
    getSplits: (paths) => fileSplits(paths, { splitSize: Number.MAX_SAFE_INTEGER }),
    createRecordReader(split): RecordReader<unknown, unknown> {
      let bytesRead = 0;
      return {
        get bytesRead() {
          return bytesRead;
        },
        async read(sink, betweenChunks) {
          const r = new SegmentReader({ file: split.path, offset: 0, length: split.fileLength, records: -1 }, 0);
          try {
            let n = 0;
            while (r.next()) {
              sink(decodeValue(r.key), decodeValue(r.value));
              // A consumer may pause between chunks (back-pressure, a merge join pulling two inputs).
              if (betweenChunks && ++n % RECORDS_PER_CHUNK === 0) await betweenChunks();
            }
          } finally {
            r.close(); // a map that throws must not leave the file open in a long-lived worker
          }
          bytesRead = split.length;
        },
      };
    },
  };
}
