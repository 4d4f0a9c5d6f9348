import { intermediateInput } from '../shuffle/intermediate.ts';
import { loadKeyFilter, type KeyFilter } from '../shuffle/key-filter.ts';
import fs from 'node:fs';
import type { CacheFile } from './spec.ts';

/** A replicated side in memory: encoded join key (latin1) → the side's values of that key. */
export type SideTable = ReadonlyMap<string, readonly unknown[]>;

/**
 * Loaded once per worker and reused by its later attempts (the cache file is named by its content
 * hash); one of each kind is kept, so a long-lived worker holds the latest job's side only.
 */
let table: { hash: string; value: Promise<SideTable> } | undefined;
let filter: { hash: string; value: KeyFilter } | undefined;

export function sideTable(file: CacheFile): Promise<SideTable> {
  if (table?.hash !== file.hash) table = { hash: file.hash, value: readSideTable(file) };
  return table.value;
}

async function readSideTable(file: CacheFile): Promise<SideTable> {
  const map = new Map<string, unknown[]>();
  const reader = intermediateInput().createRecordReader({ path: file.path, start: 0, length: file.bytes, fileLength: file.bytes, hosts: [], fileIndex: 0 });
  await reader.read((k, v) => {
    const key = (k as Buffer).toString('latin1');
    const list = map.get(key);
    if (list) list.push(v);
    else map.set(key, [v]);
  });
  return map;
}

export function keyFilter(file: CacheFile): KeyFilter {
  if (filter?.hash !== file.hash) filter = { hash: file.hash, value: loadKeyFilter(fs.readFileSync(file.path)) };
  return filter.value;
}
