import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';

/**
 * The vector store's on-disk layout (SQLite). One row per chunk; a collection (the original's
 * `database`) fixes its embedding model and dimension at its first insert, so vectors that
 * cannot be compared never share one. Embeddings are little-endian Float32 BLOBs with their
 * L2 norm stored beside them, so a query scan divides once per row instead of re-summing.
 * Column order matters: the vector comes before the text, so a scan reading it never walks the
 * overflow pages of a long chunk; `chunks_by_collection` serves the scan's (collection, rowid)
 * batches in rowid order without a sort. Each write bumps its collection's `generation`, so a
 * copy of the vectors held in memory (cache.ts) knows when it is stale.
 */

/** Bumped when the layout changes; older files are migrated in `migrate`. */
const SCHEMA_VERSION = 2;

const DDL = `
CREATE TABLE IF NOT EXISTS collections (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  model TEXT,
  dimension INTEGER NOT NULL CHECK (dimension > 0),
  created_at TEXT NOT NULL,
  generation INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS chunks (
  rowid INTEGER PRIMARY KEY,
  collection_id INTEGER NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
  norm REAL NOT NULL,
  embedding BLOB NOT NULL,
  id TEXT NOT NULL,
  document_id TEXT NOT NULL,
  chunk_index INTEGER NOT NULL,
  content TEXT NOT NULL,
  metadata TEXT NOT NULL,
  UNIQUE (collection_id, id)
);
CREATE INDEX IF NOT EXISTS chunks_by_collection ON chunks (collection_id);
CREATE INDEX IF NOT EXISTS chunks_by_document ON chunks (collection_id, document_id);
`;

/**
 * Connection settings and the schema; idempotent, run at every open. Returns the store's id (a
 * UUID made once per file), which keys in-memory caches: a file deleted and made again at the
 * same path is another store.
 */
export function migrate(db: Database.Database): string {
  // WAL: a query step reads while a parallel rag_add writes; busy_timeout waits out the other writer.
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 10000');
  db.pragma('foreign_keys = ON');
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION) {
    throw new Error(`vector store schema version ${version} is newer than this plugin's (${SCHEMA_VERSION})`);
  }
  if (version < SCHEMA_VERSION) {
    db.transaction(() => {
      // 1 → 2: the write generation (search caches check it) and the store's id.
      if (version === 1) db.exec('ALTER TABLE collections ADD COLUMN generation INTEGER NOT NULL DEFAULT 0');
      db.exec(DDL);
      db.pragma(`user_version = ${SCHEMA_VERSION}`);
    }).immediate();
  }
  db.prepare("INSERT OR IGNORE INTO meta (key, value) VALUES ('store_id', ?)").run(randomUUID());
  return (db.prepare("SELECT value FROM meta WHERE key = 'store_id'").get() as { value: string }).value;
}
