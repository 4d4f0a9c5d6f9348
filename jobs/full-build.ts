import { defineJob, type Ha3Document, type TaskContext } from 'bsctl';
import { documentsInput } from '../framework/index/documents-input.ts';
import { convertDocument, packCommand, replay, unpackCommand, type PackedCommand } from '../framework/index/document.ts';
import { CONF_SCHEMA, indexOutput } from '../framework/index/output.ts';
import { fullBuildCli } from '../framework/index/plan.ts';
import type { FieldSchema, TableSchema } from '../framework/index/schema/model.ts';
import { hashId, rangeIndex, splitRange } from '../framework/index/shard.ts';
import { documentKey, enrich, EXCLUDE_KEYS, INCLUDE_KEYS, sideKey, sideSlot } from '../framework/index/join-config.ts';
import { sideTableInput, type SideRow } from '../framework/index/side-input.ts';

/** The schema of the running build, parsed once per worker process. */
let cached: { json: string; schema: TableSchema; byName: Map<string, FieldSchema> } | undefined;
function schemaOf(ctx: TaskContext): { schema: TableSchema; byName: Map<string, FieldSchema> } {
  const json = ctx.conf[CONF_SCHEMA];
  if (!json) throw new Error(`full-build: conf "${CONF_SCHEMA}" is missing (run it as: bsctl run full-build --table NAME)`);
  if (cached?.json !== json) {
    const schema = JSON.parse(json) as TableSchema;
    cached = { json, schema, byName: new Map(schema.fields.map((f) => [f.name, f])) };
  }
  return cached;
}

const rangesByCount = new Map<number, ReturnType<typeof splitRange>>();

/** A key list's join (semi: keep the listed documents; anti: drop them), skipped when the table has none. */
const keyList = (slot: string) => ({
  key: (_o: number, doc: Ha3Document, conf: Readonly<Record<string, string>>) => documentKey(doc, conf, slot),
  with: { name: slot, input: sideTableInput(), key: (_o: number, row: SideRow, conf: Readonly<Record<string, string>>) => sideKey(row, conf, slot), optional: true },
});

/** Side table i's left join: each document gets its row's fields (or keeps its own); skipped when unused. */
const side = (i: number) => ({
  key: (_o: number, doc: Ha3Document, conf: Readonly<Record<string, string>>) => documentKey(doc, conf, sideSlot(i)),
  with: { name: sideSlot(i), input: sideTableInput(), key: (_o: number, row: SideRow, conf: Readonly<Record<string, string>>) => sideKey(row, conf, sideSlot(i)), unique: true, optional: true },
  kind: 'left' as const,
  merge: (doc: Ha3Document, row: SideRow | undefined, conf: Readonly<Record<string, string>>) => enrich(doc, row, conf, sideSlot(i)),
});

/**
 * Havenask full build: ha3 documents → (key lists and side tables of the table config joined in,
 * before sharding) → validated commands keyed by primary key → one reducer per HASH range replays
 * each key's commands in input order → one full-index partition each.
 */
export default defineJob({
  name: 'full-build',
  description: 'Build a Havenask full index (one directory per partition) from a table schema and ha3 documents or HBase tables',
  input: documentsInput(),
  cli: fullBuildCli,
})
  .join({ ...keyList(INCLUDE_KEYS), kind: 'semi' })
  .join({ ...keyList(EXCLUDE_KEYS), kind: 'anti' })
  .join(side(0))
  .join(side(1))
  .join(side(2))
  .join(side(3))
  .step({
    map: function* (_offset: number, raw: Ha3Document, ctx) {
      const { schema, byName } = schemaOf(ctx);
      const c = convertDocument(schema, byName, raw, raw.fileIndex);
      if (!c.ok) {
        ctx.badRecord({ path: raw.path, offset: c.offset, reason: c.reason, fileIndex: raw.fileIndex });
        return;
      }
      if (c.ignoredFields) ctx.counter('Fields not in schema', 'full-build').increment(c.ignoredFields);
      ctx.counter(`CMD=${c.doc.cmd}`, 'full-build').increment();
      yield [c.pk, packCommand(schema, c.doc)] as const;
    },
    partitioner: (pk: string, n: number) => {
      let ranges = rangesByCount.get(n);
      if (!ranges) rangesByCount.set(n, (ranges = splitRange(n)));
      return rangeIndex(hashId(pk), ranges);
    },
    reduce: function* (pk: string, commands: Iterable<PackedCommand>, ctx) {
      const { schema } = schemaOf(ctx);
      const doc = replay(schema, Array.from(commands, (c) => unpackCommand(schema, c)));
      if (doc) {
        ctx.counter('Documents indexed', 'full-build').increment();
        yield [pk, doc] as const;
      } else ctx.counter('Primary keys deleted', 'full-build').increment();
    },
  })
  .output(indexOutput());
