import { definePlugin, PluginError, Type } from '@rustchain/core/plugin';
import { databaseClaims, openDatabase, parseDatabaseUrl, sqlError } from '@rustchain/plugin-sql-query';

/**
 * `db_backup`: a consistent copy of a live SQLite database with SQLite's online backup API
 * (better-sqlite3 `.backup()`), safe while other connections write, unlike a file copy. Both
 * paths are resolved through ctx.fs (read for the source, write for the destination) before
 * SQLite opens them. The copy is integrity-checked unless `verify: false`.
 */

const Params = Type.Object(
  {
    source: Type.String({ minLength: 1, description: 'SQLite database file (path or sqlite://path)' }),
    destination: Type.String({ minLength: 1, description: 'backup file to write (replaced when it exists)' }),
    verify: Type.Optional(Type.Boolean({ default: true, description: 'run PRAGMA integrity_check on the copy' })),
  },
  { additionalProperties: true },
);

const Outputs = Type.Object({
  path: Type.String({ description: 'absolute path of the backup' }),
  bytes: Type.Integer(),
  pages: Type.Integer({ description: 'database pages copied' }),
  verified: Type.Boolean(),
});

function filePath(value: string, name: string): string {
  const location = parseDatabaseUrl(value);
  if (location.kind === 'memory') throw new PluginError('E_SQL_UNSUPPORTED_DATABASE', `${name} must be a database file, not an in-memory database`, { details: { [name]: value }, nonRetryable: true });
  return location.path;
}

/** The `db_backup` step type: SQLite online backup to a file. */
export default definePlugin({
  type: 'db_backup',
  description: 'Copies a SQLite database consistently with the online backup API; outputs path, bytes, pages.',
  params: Params,
  outputs: Outputs,
  capabilities: ['fs.read', 'fs.write'],
  effect: 'idempotent',
  claims: (p) => [...databaseClaims(p.source, 'read', '/source'), ...databaseClaims(p.destination, 'write', '/destination')],
  async run(p, ctx) {
    filePath(p.source, 'source');
    const destination = await ctx.fs.resolve(filePath(p.destination, 'destination'), 'write');
    const { db, path: source } = await openDatabase(ctx, p.source, 'read');
    try {
      if (source === destination) throw new PluginError('E_SQL_BACKUP_SAME_FILE', 'source and destination are the same file', { details: { path: source }, nonRetryable: true });
      const destinationStat = await ctx.fs.stat(destination);
      if (destinationStat !== null && destinationStat.type !== 'file') {
        throw new PluginError('E_FS_NOT_REGULAR_FILE', `destination \`${p.destination}\` is a ${destinationStat.type}`, { details: { path: destination }, nonRetryable: true });
      }
      if (destinationStat === null) await ctx.fs.mkdir(destination.slice(0, destination.lastIndexOf('/')) || '/');
      let pages: number;
      try {
        pages = (await db.backup(destination)).totalPages;
      } catch (error) {
        throw sqlError(error, 'the backup failed');
      }
      let verified = false;
      if (p.verify ?? true) {
        const copy = await openDatabase(ctx, destination, 'read');
        try {
          const result = copy.db.pragma('integrity_check', { simple: true });
          if (result !== 'ok') throw new PluginError('E_SQL_BACKUP_CORRUPT', `the backup fails its integrity check: ${String(result)}`, { details: { result }, nonRetryable: false });
          verified = true;
        } finally {
          copy.db.close();
        }
      }
      const bytes = (await ctx.fs.stat(destination))?.size ?? 0;
      return { path: destination, bytes, pages, verified };
    } finally {
      db.close();
    }
  },
});
