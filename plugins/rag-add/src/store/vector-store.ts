import { createRequire } from 'node:module';
import type Database from 'better-sqlite3';
import { PluginError } from '@rustchain/core/plugin';
import { filterSql } from './filters.ts';
import { migrate } from './schema.ts';
import { cosineFrom, dot, norm, TopK } from './top-k.ts';

/**
 * A persistent local vector store: collections of chunks (id, content, JSON metadata, Float32
 * embedding) in one SQLite file, searched by exact cosine top-k with metadata filters. Exact
 * (a full scan, no ANN index) is deliberate: results are reproducible and equal a brute-force
 * sort, and a scan of 100k rows of dimension 384 stays well under a second (bench figures in
 * the README). Reads go in rowid batches so memory stays bounded by the batch, not the store.
 */

/** better-sqlite3 (native) loads when a store is first opened, not when the plugin is imported. */
const loadDriver = (): typeof Database => createRequire(import.meta.url)('better-sqlite3') as typeof Database;

/** Rows read per batch of the scan. */
const SCAN_BATCH = 2048;

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

/** Float32 view of a BLOB (copied only when SQLite's buffer is not 4-byte aligned). */
function asFloat32(blob: Buffer): Float32Array {
  if (blob.byteOffset % 4 === 0) return new Float32Array(blob.buffer, blob.byteOffset, blob.byteLength / 4);
  return new Float32Array(blob.buffer.slice(blob.byteOffset, blob.byteOffset + blob.byteLength));
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

  private constructor(db: Database.Database) {
    this.#db = db;
  }

  /** Opens (creating when missing) the store at an absolute file path. */
  static open(file: string): VectorStore {
    let db: Database.Database | undefined;
    try {
      const Driver = loadDriver();
      db = new Driver(file);
      migrate(db);
      return new VectorStore(db);
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
      return { stored: chunks.length, removed };
    });
    return run.immediate();
  }

  /**
   * The `limit` chunks of `collection` most similar (cosine) to `query`, best first, at or
   * above `threshold`, matching `filter`. A collection that does not exist has no hits. The
   * scan reads one snapshot (a read transaction) in batches and yields to the event loop
   * between them, so a long scan neither blocks parallel steps nor outlives `signal`.
   */
  async search(collection: string, query: ArrayLike<number>, options: SearchOptions): Promise<{ hits: SearchHit[]; scanned: number }> {
    const info = this.info(collection);
    if (info === null) return { hits: [], scanned: 0 };
    if (query.length !== info.dimension) throw dimensionMismatch(collection, info.dimension, query.length);
    if (options.model !== undefined && info.model !== null && info.model !== options.model) throw modelMismatch(collection, info.model, options.model);
    const q = Float32Array.from(query);
    const qNorm = norm(q);
    const where = filterSql(options.filter);
    const page = this.#db
      .prepare(`SELECT rowid, embedding, norm FROM chunks INDEXED BY chunks_by_collection WHERE collection_id = ? AND rowid > ?${where.sql} ORDER BY rowid LIMIT ${SCAN_BATCH}`)
      .raw(true);
    const id = this.#collectionId(collection);
    const threshold = options.threshold ?? -Infinity;
    const top = new TopK(Math.max(0, Math.floor(options.limit)));
    let after = -1;
    let scanned = 0;
    this.#db.exec('BEGIN');
    try {
      for (;;) {
        options.signal?.throwIfAborted();
        const rows = page.all(id, after, ...where.values) as Array<[number, Buffer, number]>;
        for (const [rowid, blob, rowNorm] of rows) {
          const score = cosineFrom(dot(q, asFloat32(blob)), qNorm, rowNorm);
          if (score >= threshold) top.offer(score, rowid);
        }
        scanned += rows.length;
        if (rows.length < SCAN_BATCH) break;
        after = rows[rows.length - 1]![0];
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      return { hits: this.#load(top.sorted()), scanned };
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

  /** The winners' text and metadata, read only once the scan is done. */
  #load(winners: ReadonlyArray<{ score: number; rowid: number }>): SearchHit[] {
    const get = this.#db.prepare('SELECT id, document_id, chunk_index, content, metadata FROM chunks WHERE rowid = ?');
    return winners.map(({ score, rowid }) => {
      const row = get.get(rowid) as { id: string; document_id: string; chunk_index: number; content: string; metadata: string };
      return { id: row.id, documentId: row.document_id, chunkIndex: row.chunk_index, content: row.content, metadata: JSON.parse(row.metadata) as Record<string, unknown>, score };
    });
  }
}
