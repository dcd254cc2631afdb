import type { Statement } from 'better-sqlite3';
import type { CollectionVectors } from './cache.ts';
import { cosineFrom, dot, dotAt, type TopK } from './top-k.ts';

/**
 * The two ways a search scores a collection: reading the table in rowid batches (and, when
 * asked, copying every vector into a CollectionVectors for the cache), or scoring the cached
 * matrix. Both offer rows to the TopK in increasing rowid order and yield to the event loop
 * every batch, checking the signal, so neither blocks parallel steps nor outlives a cancel.
 */

/** Rows per batch (a table read, or a stretch of the cached matrix between yields). */
export const SCAN_BATCH = 2048;

/** The query and where its results go. */
export interface ScanTarget {
  query: Float32Array;
  queryNorm: number;
  threshold: number;
  top: TopK;
  signal?: AbortSignal | undefined;
}

const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Float32 view of a BLOB (copied only when SQLite's buffer is not 4-byte aligned). */
function asFloat32(blob: Buffer): Float32Array {
  if (blob.byteOffset % 4 === 0) return new Float32Array(blob.buffer, blob.byteOffset, blob.byteLength / 4);
  return new Float32Array(blob.buffer.slice(blob.byteOffset, blob.byteOffset + blob.byteLength));
}

/**
 * Scores the rows `page` returns (`SELECT rowid, embedding, norm ... WHERE ... AND rowid > ?
 * ORDER BY rowid LIMIT SCAN_BATCH`, bound as `args(after)`). With `copy`, every row is also
 * written into it (the caller sized it to the collection); returns the rows scanned.
 */
export async function scanTable(page: Statement, args: (after: number) => unknown[], target: ScanTarget, copy?: CollectionVectors): Promise<number> {
  const { query, queryNorm, threshold, top } = target;
  let after = -1;
  let scanned = 0;
  for (;;) {
    target.signal?.throwIfAborted();
    const rows = page.all(...args(after)) as Array<[number, Buffer, number]>;
    for (const [rowid, blob, rowNorm] of rows) {
      const vector = asFloat32(blob);
      if (copy !== undefined && scanned < copy.rowids.length) {
        copy.rowids[scanned] = rowid;
        copy.norms[scanned] = rowNorm;
        copy.matrix.set(vector, scanned * copy.dimension);
      }
      scanned++;
      const score = cosineFrom(dot(query, vector), queryNorm, rowNorm);
      if (score >= threshold) top.offer(score, rowid);
    }
    if (rows.length < SCAN_BATCH) return scanned;
    after = rows[rows.length - 1]![0];
    await yieldToLoop();
  }
}

/** Scores the cached vectors; only the rows whose rowid is in `only` (ascending) when given. Returns the rows scored. */
export async function scanCached(vectors: CollectionVectors, target: ScanTarget, only?: readonly number[]): Promise<number> {
  const { query, queryNorm, threshold, top } = target;
  const { rowids, norms, matrix, dimension } = vectors;
  const n = rowids.length;
  let scanned = 0;
  let j = 0;
  target.signal?.throwIfAborted();
  for (let i = 0; i < n; i++) {
    if (i % SCAN_BATCH === 0 && i > 0) {
      await yieldToLoop();
      target.signal?.throwIfAborted();
    }
    const rowid = rowids[i]!;
    if (only !== undefined) {
      // Both lists ascend: walk them together.
      while (j < only.length && only[j]! < rowid) j++;
      if (j >= only.length) break;
      if (only[j] !== rowid) continue;
    }
    scanned++;
    const score = cosineFrom(dotAt(query, matrix, i * dimension), queryNorm, norms[i]!);
    if (score >= threshold) top.offer(score, rowid);
  }
  return scanned;
}
