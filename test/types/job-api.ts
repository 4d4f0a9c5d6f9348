/**
 * Type-level tests of the job API, checked by `tsc --noEmit` in `npm test`: every `@ts-expect-error`
 * line must be an error, every other line must compile.
 */
import { defineJob, sum, textInput, textOutput, jsonLinesOutput, tsvInput } from '../../framework/job/index.ts';
import type { Job, MapContext } from '../../framework/job/index.ts';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const expectType = <T extends true>(): T => true as T;

// Mapper output types flow into the reducer and out of the job.
const ok = defineJob({ name: 'ok', description: '', input: textInput() })
  .step({
    map: function* (_offset, line) {
      yield [line, 1] as const;
    },
    combine: sum,
    reduce: function* (key, values) {
      let n = 0;
      for (const v of values) n += v;
      yield [key.length, String(n)] as const;
    },
  })
  .output(textOutput());
expectType<Equal<typeof ok, Job<number, string, number, string>>>();

// Multi-step: step 2's input is step 1's output.
defineJob({ name: 'two', description: '', input: tsvInput() })
  .step({
    map: function* (_o, cols) {
      yield [cols[0] ?? '', 1] as const;
    },
    reduce: function* (k, vs) {
      yield [k, [...vs].length] as const;
    },
  })
  .step({
    map: function* (word, count) {
      const w: string = word;
      const c: number = count;
      yield [c, w] as const;
    },
  })
  .output(jsonLinesOutput<number, string>());

defineJob({ name: 'bad-reducer', description: '', input: textInput() }).step({
  // @ts-expect-error the mapper emits numbers but the reducer takes strings (reported where inference disagrees)
  map: function* (_offset, line) {
    yield [line, 1] as const;
  },
  reduce: function* (key: string, values: Iterable<string>) {
    yield [key, [...values].join()] as const;
  },
});

defineJob({ name: 'bad-combiner', description: '', input: textInput() }).step({
  // @ts-expect-error a numeric combiner (sum) cannot combine the string values this mapper emits
  map: function* (_offset, line) {
    yield [line, 'x'] as const;
  },
  combine: sum,
});

defineJob({ name: 'bad-input', description: '', input: textInput() }).step({
  // @ts-expect-error text input values are strings
  map: function* (_offset: number, line: number) {
    yield [String(line), 1] as const;
  },
});

defineJob({ name: 'bad-output', description: '', input: textInput() })
  .step({
    map: function* (offset) {
      yield [String(offset), offset] as const;
    },
  })
  // @ts-expect-error output format's value type must match the last step's output (number)
  .output(textOutput<string, string>());

// ctx.write: an annotated MapContext checks what is written; the map-output types come from the
// combiner and the reducer.
const written = defineJob({ name: 'written', description: '', input: textInput() })
  .step({
    map: (_offset, line, ctx: MapContext<string, number>) => {
      ctx.write(line, 1);
    },
    combine: sum,
    reduce: function* (key: string, values) {
      let n = 0;
      for (const v of values) n += v;
      yield [key, n] as const;
    },
  })
  .output(textOutput());
expectType<Equal<typeof written, Job<number, string, string, number>>>();
defineJob({ name: 'bad-write', description: '', input: textInput() }).step({
  map: (_offset, line, ctx: MapContext<string, number>) => {
    // @ts-expect-error the context was annotated to take numbers as values
    ctx.write(line, 'one');
  },
});

// Joins: the joined record's type comes from both sides; the key types must agree.
const side = { name: 'subscribers', input: tsvInput(), key: (_o: number, cols: string[]) => cols[0] };
const inner = defineJob({ name: 'j1', description: '', input: tsvInput() })
  .join({ key: (_o, cols) => cols[1], with: side })
  .output(jsonLinesOutput());
expectType<Equal<typeof inner, Job<number, string[], string, { readonly left: string[]; readonly right: string[] }>>>();
const leftOuter = defineJob({ name: 'j2', description: '', input: tsvInput() })
  .join({ key: (_o, cols) => cols[1], with: side, kind: 'left' })
  .output(jsonLinesOutput());
expectType<Equal<typeof leftOuter, Job<number, string[], string, { readonly left: string[]; readonly right: string[] | undefined }>>>();
// A semi join keeps the job's records as they are.
const semi = defineJob({ name: 'j3', description: '', input: tsvInput() })
  .join({ key: (_o, cols) => cols[1], with: side, kind: 'semi', strategy: 'bloom' })
  .step({
    map: function* (offset, cols) {
      const o: number = offset;
      yield [cols.join(','), o] as const;
    },
  })
  .output(textOutput());
expectType<Equal<typeof semi, Job<number, string[], string, number>>>();
defineJob({ name: 'j4', description: '', input: tsvInput() })
  // @ts-expect-error the job's key is a number, the side's a string
  .join({ key: (_o, cols) => Number(cols[1]), with: side })
  .output(jsonLinesOutput());
