import { createRequire } from 'node:module';
import type Database from 'better-sqlite3';
import { PluginError } from '@rustchain/core/plugin';
import { cachedVectors, fitsCache, keepVectors, type CollectionVectors } from './cache.ts';
import { filterSql } from './filters.ts';
import { scanCached, scanTable, SCAN_BATCH, type ScanTarget } from './scan.ts';
import { migrate } from './schema.ts';
import { norm, TopK } from './top-k.ts';

/**
 * A persistent local vector store: collections of chunks (id, content, JSON metadata, Float32
 * embedding) in one SQLite file, searched by exact cosine top-k with metadata filters. Exact
 * (a full scan, no ANN index) is deliberate: results are reproducible and equal a brute-force
 * sort, and a scan of 100k rows of dimension 384 stays well under a second (figures in the
 * README). Table reads go in rowid batches (scan.ts); the vectors of recently searched
 * collections stay in memory between searches, within a fixed cap (cache.ts).
 */

/** better-sqlite3 (native) loads when a store is first opened, not when the plugin is imported. */
const loadDriver = (): typeof Database => createRequire(import.meta.url)('better-sqlite3') as typeof Database;

/** One chunk to store. */
export interface ChunkInput {
  id: string;
  documentId: string;
  chunkIndex: number;
  content: string;
  metadata: Readonly<Record<string, unknown>>;
  embedding: Float32Array;
}

/** One search result. */
export interface SearchHit {
  id: string;
  documentId: string;
  chunkIndex: number;
  content: string;
  metadata: Record<string, unknown>;
  score: number;
}

/** How to search. */
export interface SearchOptions {
  /** At most this many hits. */
  limit: number;
  /** Only hits scoring at least this (cosine, -1..1). */
  threshold?: number | undefined;
  /** Metadata equality filters (see filters.ts). */
  filter?: Readonly<Record<string, unknown>> | undefined;
  /** The query's embedding model: refused when the collection holds another model's vectors. */
  model?: string | undefined;
  /** Stops the scan between batches (rejects with the signal's reason). */
  signal?: AbortSignal | undefined;
}

/** What a collection holds. */
export interface CollectionInfo {
  name: string;
  model: string | null;
  dimension: number;
  chunks: number;
}

function toBlob(v: Float32Array): Buffer {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

function dimensionMismatch(collection: string, expected: number, got: number): PluginError {
  return new PluginError(
    'E_RAG_DIMENSION_MISMATCH',
    `collection "${collection}" holds ${expected}-dimensional embeddings, this one has ${got}: use the same embedding model, or another database`,
    { details: { database: collection, expected, got }, nonRetryable: true },
  );
}

function modelMismatch(collection: string, expected: string, got: string): PluginError {
  return new PluginError(
    'E_RAG_MODEL_MISMATCH',
    `collection "${collection}" holds embeddings of model "${expected}", not "${got}": vectors of different models are not comparable; use the same model, or another database`,
    { details: { database: collection, expected, got }, nonRetryable: true },
  );
}

/** An open store file; close it when done (a step opens and closes its own). */
export class VectorStore {
  readonly #db: Database.Database;
  /** The file's own id (schema.ts), for cache keys. */
  readonly #storeId: string;

  private constructor(db: Database.Database, storeId: string) {
    this.#db = db;
    this.#storeId = storeId;
  }

  /** Opens (creating when missing) the store at an absolute file path. */
  static open(file: string): VectorStore {
    let db: Database.Database | undefined;
    try {
      const Driver = loadDriver();
      db = new Driver(file);
      return new VectorStore(db, migrate(db));
    } catch (error) {
      db?.close();
      throw new PluginError('E_RAG_STORE_FAILED', `cannot open the vector store ${file}: ${(error as Error).message}`, {
        details: { file },
        cause: error,
        nonRetryable: true,
      });
    }
  }

  /** The collection's model, dimension and size; null when it does not exist yet. */
  info(collection: string): CollectionInfo | null {
    const row = this.#db
      .prepare('SELECT c.name, c.model, c.dimension, (SELECT count(*) FROM chunks WHERE collection_id = c.id) AS chunks FROM collections c WHERE c.name = ?')
      .get(collection) as CollectionInfo | undefined;
    return row ?? null;
  }

  /**
   * Stores `chunks` in one transaction, first removing every chunk of the documents in
   * `documentIds` (re-adding a document replaces it: running a rag_add twice equals once).
   * The first insert fixes the collection's model and dimension; others must match.
   */
  replaceDocuments(collection: string, model: string | null, documentIds: readonly string[], chunks: readonly ChunkInput[]): { stored: number; removed: number } {
    const first = chunks[0];
    if (first === undefined && documentIds.length === 0) return { stored: 0, removed: 0 };
    const run = this.#db.transaction(() => {
      let info = this.info(collection);
      const dimension = first?.embedding.length ?? info?.dimension ?? 0;
      for (const chunk of chunks) {
        if (chunk.embedding.length !== dimension) throw dimensionMismatch(collection, dimension, chunk.embedding.length);
      }
      if (info === null) {
        if (first === undefined) return { stored: 0, removed: 0 };
        this.#db.prepare('INSERT INTO collections (name, model, dimension, created_at) VALUES (?, ?, ?, ?)').run(collection, model, dimension, new Date().toISOString());
        info = { name: collection, model, dimension, chunks: 0 };
      } else {
        if (first !== undefined && info.dimension !== dimension) throw dimensionMismatch(collection, info.dimension, dimension);
        if (model !== null && info.model !== null && info.model !== model) throw modelMismatch(collection, info.model, model);
        if (info.model === null && model !== null) this.#db.prepare('UPDATE collections SET model = ? WHERE name = ?').run(model, collection);
      }
      const id = this.#collectionId(collection);
      const remove = this.#db.prepare('DELETE FROM chunks WHERE collection_id = ? AND document_id = ?');
      let removed = 0;
      for (const doc of new Set(documentIds)) removed += remove.run(id, doc).changes;
      const insert = this.#db.prepare(
        'INSERT OR REPLACE INTO chunks (collection_id, norm, embedding, id, document_id, chunk_index, content, metadata) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      );
      for (const chunk of chunks) {
        insert.run(id, norm(chunk.embedding), toBlob(chunk.embedding), chunk.id, chunk.documentId, chunk.chunkIndex, chunk.content, JSON.stringify(chunk.metadata));
      }
      // Every process's cached copy of this collection is stale from now on.
      if (chunks.length > 0 || removed > 0) this.#db.prepare('UPDATE collections SET generation = generation + 1 WHERE id = ?').run(id);
      return { stored: chunks.length, removed };
    });
    return run.immediate();
  }

  /**
   * The `limit` chunks of `collection` most similar (cosine) to `query`, best first, at or
   * above `threshold`, matching `filter`. A collection that does not exist has no hits. It
   * reads one snapshot (a read transaction). The first unfiltered search of a collection reads
   * the table and keeps its vectors in memory (cache.ts); later searches of the same
   * generation score that copy, a filtered one only the rows SQLite's filter selects.
   */
  async search(collection: string, query: ArrayLike<number>, options: SearchOptions): Promise<{ hits: SearchHit[]; scanned: number }> {
    const where = filterSql(options.filter);
    this.#db.exec('BEGIN');
    try {
      const info = this.#db.prepare('SELECT id, model, dimension, generation FROM collections WHERE name = ?').get(collection) as
        | { id: number; model: string | null; dimension: number; generation: number }
        | undefined;
      if (info === undefined) return { hits: [], scanned: 0 };
      if (query.length !== info.dimension) throw dimensionMismatch(collection, info.dimension, query.length);
      if (options.model !== undefined && info.model !== null && info.model !== options.model) throw modelMismatch(collection, info.model, options.model);
      const q = Float32Array.from(query);
      const target: ScanTarget = { query: q, queryNorm: norm(q), threshold: options.threshold ?? -Infinity, top: new TopK(Math.max(0, Math.floor(options.limit))), signal: options.signal };
      const key = `${this.#storeId}/${info.id}`;
      const cached = cachedVectors(key, info.generation);
      let scanned: number;
      if (cached !== undefined) {
        const only = where.sql === '' ? undefined : this.#filteredRowids(info.id, where.sql, where.values);
        scanned = await scanCached(cached, target, only);
      } else {
        const page = this.#db
          .prepare(`SELECT rowid, embedding, norm FROM chunks INDEXED BY chunks_by_collection WHERE collection_id = ? AND rowid > ?${where.sql} ORDER BY rowid LIMIT ${SCAN_BATCH}`)
          .raw(true);
        const copy = where.sql === '' ? this.#newCopy(info.id, info.dimension, info.generation) : undefined;
        scanned = await scanTable(page, (after) => [info.id, after, ...where.values], target, copy);
        if (copy !== undefined && scanned === copy.rowids.length) keepVectors(key, copy);
      }
      return { hits: this.#load(target.top.sorted()), scanned };
    } finally {
      this.#db.exec('COMMIT');
    }
  }

  /** Closes the file. */
  close(): void {
    this.#db.close();
  }

  #collectionId(collection: string): number {
    return (this.#db.prepare('SELECT id FROM collections WHERE name = ?').get(collection) as { id: number }).id;
  }

  /** Rowids (ascending) of the collection's rows passing a filter. */
  #filteredRowids(collectionId: number, filter: string, values: ReadonlyArray<string | number>): number[] {
    return this.#db
      .prepare(`SELECT rowid FROM chunks INDEXED BY chunks_by_collection WHERE collection_id = ?${filter} ORDER BY rowid`)
      .pluck(true)
      .all(collectionId, ...values) as number[];
  }

  /** Empty arrays for a cache copy of the collection, when it fits the cache. */
  #newCopy(collectionId: number, dimension: number, generation: number): CollectionVectors | undefined {
    const count = (this.#db.prepare('SELECT count(*) FROM chunks WHERE collection_id = ?').pluck(true).get(collectionId) as number);
    if (!fitsCache(count, dimension)) return undefined;
    return { generation, dimension, rowids: new Float64Array(count), norms: new Float64Array(count), matrix: new Float32Array(count * dimension) };
  }

  /** The winners' text and metadata, read only once the scan is done. */
  #load(winners: ReadonlyArray<{ score: number; rowid: number }>): SearchHit[] {
    const get = this.#db.prepare('SELECT id, document_id, chunk_index, content, metadata FROM chunks WHERE rowid = ?');
    return winners.map(({ score, rowid }) => {
      const row = get.get(rowid) as { id: string; document_id: string; chunk_index: number; content: string; metadata: string };
      return { id: row.id, documentId: row.document_id, chunkIndex: row.chunk_index, content: row.content, metadata: JSON.parse(row.metadata) as Record<string, unknown>, score };
    });
  }
}
