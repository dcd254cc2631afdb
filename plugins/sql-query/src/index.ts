import { definePlugin, PluginError, Type } from '@rustchain/core/plugin';
import { databaseClaims, refuseFileStatements, resolveDatabase, sqlError } from './database.ts';
import { runInWorker } from './worker.ts';
import { bindValue, jsonValue } from './values.ts';

/**
 * `sql_query`: runs one SQL statement against SQLite (better-sqlite3), with parameters bound,
 * never interpolated. Readers return rows (up to `max_rows`), writers report changes and the
 * last rowid. The original always failed (sqlx was disabled); this is the working version.
 */

const Scalar = Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()]);

const Params = Type.Object(
  {
    query: Type.String({ minLength: 1, description: 'one SQL statement' }),
    database_url: Type.Optional(Type.String({ minLength: 1, default: 'sqlite://memory:', description: 'sqlite://path, sqlite://memory:, or a plain path' })),
    params: Type.Optional(Type.Union([Type.Array(Scalar), Type.Record(Type.String(), Scalar)], { description: 'positional (?) list or named (:name, @name, $name) object' })),
    max_rows: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, default: 1000 })),
    readonly: Type.Optional(Type.Boolean({ default: false, description: 'open the database read-only (read access is enough then)' })),
  },
  { additionalProperties: true },
);

const Outputs = Type.Object({
  rows: Type.Array(Type.Record(Type.String(), Type.Unknown()), { description: 'result rows (readers); [] for writers' }),
  columns: Type.Array(Type.String()),
  row_count: Type.Integer(),
  truncated: Type.Boolean({ description: 'more rows existed than max_rows' }),
  changes: Type.Integer({ description: 'rows changed (writers)' }),
  last_insert_rowid: Type.Union([Type.Integer(), Type.String()], { description: 'a string when beyond 2^53' }),
});

/** The `sql_query` step type: one parameterised SQLite statement. */
export default definePlugin({
  type: 'sql_query',
  description: 'Runs one parameterised SQL statement on SQLite; outputs rows, columns, changes, last_insert_rowid.',
  params: Params,
  outputs: Outputs,
  capabilities: ['fs.read', 'fs.write'],
  effect: 'side-effect',
  claims: (p) => databaseClaims(p.database_url ?? 'sqlite://memory:', p.readonly ? 'read' : 'write', '/database_url'),
  async run(p, ctx) {
    refuseFileStatements(p.query);
    const readonly = p.readonly ?? false;
    const path = await resolveDatabase(ctx, p.database_url ?? 'sqlite://memory:', readonly ? 'read' : 'write');
    const bind = Array.isArray(p.params)
      ? [p.params.map(bindValue)]
      : p.params === undefined
        ? []
        : [Object.fromEntries(Object.entries(p.params).map(([k, v]) => [k.replace(/^[:@$]/, ''), bindValue(v)]))];
    const reply = await runInWorker({ path, readonly, query: p.query, bind, maxRows: p.max_rows ?? 1000 }, ctx.signal);
    if (!reply.ok) {
      const cause = Object.assign(new Error(reply.message), { code: reply.code });
      if (reply.phase === 'run' && reply.name === 'RangeError') {
        throw new PluginError('E_SQL_PARAMS', `the parameters do not match the query: ${reply.message}`, { nonRetryable: true });
      }
      throw sqlError(cause, reply.phase === 'open' ? 'cannot open the database' : reply.phase === 'prepare' ? 'the query does not compile' : 'the query failed');
    }
    if (reply.reader) {
      const rows = reply.rows.map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, jsonValue(v)])));
      return { rows, columns: reply.columns, row_count: rows.length, truncated: reply.truncated, changes: 0, last_insert_rowid: 0 };
    }
    return { rows: [], columns: [], row_count: 0, truncated: false, changes: reply.changes, last_insert_rowid: jsonValue(reply.lastInsertRowid) as number | string };
  },
});

export { parseDatabaseUrl, databaseClaims, openDatabase, resolveDatabase, refuseFileStatements, sqlError } from './database.ts';
export type { DatabaseLocation } from './database.ts';
