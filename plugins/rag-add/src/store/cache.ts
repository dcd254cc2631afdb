/**
 * The vectors of recently searched collections, held in this process between searches: a
 * second query over 100k chunks then scores a Float32 matrix in memory instead of reading
 * 100k BLOBs from SQLite again (the bulk of a scan's cost). An entry is keyed by store id and
 * collection, and valid for one write generation of that collection (every write bumps it, in
 * any process), so a stale entry is never used. Entries are dropped oldest first beyond
 * MAX_BYTES in total.
 */

/** Memory the cache may hold, all collections together. */
const MAX_BYTES = 256 * 1024 * 1024;

/** One collection's vectors in rowid order: row i is matrix[i*dimension, (i+1)*dimension). */
export interface CollectionVectors {
  generation: number;
  dimension: number;
  rowids: Float64Array;
  norms: Float64Array;
  matrix: Float32Array;
}

const entries = new Map<string, CollectionVectors>();
let total = 0;

const sizeOf = (v: CollectionVectors): number => v.matrix.byteLength + v.rowids.byteLength + v.norms.byteLength;

function drop(key: string): void {
  const entry = entries.get(key);
  if (entry === undefined) return;
  entries.delete(key);
  total -= sizeOf(entry);
}

/** The cached vectors of `key` at `generation`, if any (a stale entry is dropped). */
export function cachedVectors(key: string, generation: number): CollectionVectors | undefined {
  const entry = entries.get(key);
  if (entry === undefined) return undefined;
  drop(key);
  if (entry.generation !== generation) return undefined;
  // Re-inserted: the Map's order is the eviction order, most recently used last.
  entries.set(key, entry);
  total += sizeOf(entry);
  return entry;
}

/** True when `count` vectors of `dimension` may be cached at all. */
export function fitsCache(count: number, dimension: number): boolean {
  return count > 0 && count * (dimension * 4 + 16) <= MAX_BYTES;
}

/** Keeps `vectors` for `key`, evicting the least recently used entries to make room. */
export function keepVectors(key: string, vectors: CollectionVectors): void {
  drop(key);
  const size = sizeOf(vectors);
  if (size > MAX_BYTES) return;
  for (const oldest of entries.keys()) {
    if (total + size <= MAX_BYTES) break;
    drop(oldest);
  }
  entries.set(key, vectors);
  total += size;
}
