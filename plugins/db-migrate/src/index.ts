// node:crypto only hashes text already read through ctx.fs (migration checksums).
import { createHash } from 'node:crypto';
import { definePlugin, PluginError, Type } from '@rustchain/core/plugin';
import { databaseClaims, openDatabase, refuseFileStatements, sqlError } from '@rustchain/plugin-sql-query';

/**
 * `db_migrate`: applies the `*.sql` files of a directory to a SQLite database in name order,
 * each in its own transaction, recording name, SHA-256 and time in `_rustchain_migrations`.
 * Already-applied files are skipped; one whose content changed since is refused before
 * anything runs (E_SQL_MIGRATION_CHANGED). Files are read through ctx.fs.
 */

/** Table the applied migrations are recorded in. */
const TABLE = '_rustchain_migrations';
/** Largest migration file read: 10 MiB. */
const MAX_MIGRATION_BYTES = 10 * 1024 * 1024;

const Params = Type.Object(
  {
    migration_dir: Type.Optional(Type.String({ minLength: 1, default: 'migrations' })),
    database_url: Type.Optional(Type.String({ minLength: 1, default: 'sqlite://memory:', description: 'sqlite://path, sqlite://memory:, or a plain path' })),
  },
  { additionalProperties: true },
);

const Outputs = Type.Object({
  applied: Type.Array(Type.String(), { description: 'migrations applied by this run, in order' }),
  skipped: Type.Array(Type.String(), { description: 'migrations already applied (same checksum)' }),
});

interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

/** The `db_migrate` step type: ordered, recorded, checksummed SQLite migrations. */
export default definePlugin({
  type: 'db_migrate',
  description: 'Applies *.sql migrations in name order, each in a transaction, recorded with checksums; outputs applied and skipped.',
  params: Params,
  outputs: Outputs,
  capabilities: ['fs.read', 'fs.write'],
  // Applied migrations are skipped on a second run: running twice equals once.
  effect: 'idempotent',
  claims: (p) => [
    { kind: 'read', path: p.migration_dir ?? 'migrations', pointer: '/migration_dir' },
    ...databaseClaims(p.database_url ?? 'sqlite://memory:', 'write', '/database_url'),
  ],
  async run(p, ctx) {
    const dir = p.migration_dir ?? 'migrations';
    const names = (await ctx.fs.list(dir))
      .filter((e) => e.type === 'file' && e.name.endsWith('.sql'))
      .map((e) => e.name)
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const migrations: Migration[] = [];
    for (const name of names) {
      const sql = await ctx.fs.readText(`${dir}/${name}`, { maxBytes: MAX_MIGRATION_BYTES });
      refuseFileStatements(sql);
      migrations.push({ name, sql, checksum: createHash('sha256').update(sql).digest('hex') });
    }
    const { db } = await openDatabase(ctx, p.database_url ?? 'sqlite://memory:', 'write');
    try {
      db.exec(`CREATE TABLE IF NOT EXISTS ${TABLE} (name TEXT PRIMARY KEY, checksum TEXT NOT NULL, applied_at TEXT NOT NULL)`);
      const recorded = new Map((db.prepare(`SELECT name, checksum FROM ${TABLE}`).all() as Array<{ name: string; checksum: string }>).map((r) => [r.name, r.checksum]));
      // Every applied file is checked before any new one runs: a changed history stops the whole run.
      for (const m of migrations) {
        const previous = recorded.get(m.name);
        if (previous !== undefined && previous !== m.checksum) {
          throw new PluginError('E_SQL_MIGRATION_CHANGED', `migration ${m.name} was applied with different content (checksum ${previous.slice(0, 12)}…, now ${m.checksum.slice(0, 12)}…): add a new migration instead of editing it`, {
            details: { migration: m.name, applied: previous, current: m.checksum },
            nonRetryable: true,
          });
        }
      }
      const record = db.prepare(`INSERT INTO ${TABLE} (name, checksum, applied_at) VALUES (?, ?, ?)`);
      const applied: string[] = [];
      const skipped: string[] = [];
      for (const m of migrations) {
        if (recorded.has(m.name)) {
          skipped.push(m.name);
          continue;
        }
        try {
          db.transaction(() => {
            db.exec(m.sql);
            record.run(m.name, m.checksum, new Date().toISOString());
          })();
        } catch (error) {
          const cause = sqlError(error, `migration ${m.name} failed (rolled back)`);
          throw new PluginError('E_SQL_MIGRATION_FAILED', cause.message, { details: { migration: m.name, applied, sqliteCode: cause.details['sqliteCode'] ?? null }, nonRetryable: true, cause: error });
        }
        applied.push(m.name);
        ctx.log.info('migration applied', { migration: m.name });
      }
      return { applied, skipped };
    } finally {
      db.close();
    }
  },
});
