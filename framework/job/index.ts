/** The public API jobs import: `import { defineJob, sum, textInput, textOutput } from '../framework/job/index.ts'`. */
export { defineJob, isJob } from './define.ts';
export type { Job, JobBuilder, StepSpec, JobOptions } from './define.ts';
export type { BadRecord, CombineFn, Counter, MapContext, Mapper, Partitioner, Reducer, ShuffleKey, TaskContext, TaskHook } from './types.ts';
export { sum, max, sumBigInt } from './combiners.ts';
export type { Joined, JoinedRecord, JoinKind, JoinSide, JoinSpec, JoinStrategy } from './join.ts';
export type { JobCli, JobOption, JobPlan } from './cli.ts';
export { textInput } from '../input/text.ts';
export { tsvInput } from '../input/tsv.ts';
export { jsonLinesInput } from '../input/jsonl.ts';
export { ha3Input } from '../input/ha3.ts';
export type { Ha3Document, Ha3Problem } from '../input/ha3.ts';
export type { InputFormat, InputSplit, RecordReader } from '../input/types.ts';
export { InputError } from '../input/types.ts';
export { textOutput, jsonLinesOutput } from '../output/text.ts';
export type { OutputFormat, OutputTask, RecordWriter } from '../output/types.ts';
export { parquetInput } from '../input/parquet.ts';
export { parquetOutput } from '../output/parquet.ts';
export type { ParquetColumns, ParquetColumn, ParquetColumnType, ParquetOutputOptions } from '../output/parquet.ts';
