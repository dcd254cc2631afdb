import { definePlugin, PluginError, Type } from '@rustchain/core/plugin';
import { databaseClaims, openDatabase, refuseFileStatements, sqlError } from './database.ts';
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
    const { db } = await openDatabase(ctx, p.database_url ?? 'sqlite://memory:', p.readonly ? 'read' : 'write');
    try {
      let statement;
      try {
        statement = db.prepare(p.query).safeIntegers(true);
      } catch (error) {
        throw sqlError(error, 'the query does not compile');
      }
      const bind = Array.isArray(p.params)
        ? [p.params.map(bindValue)]
        : p.params === undefined
          ? []
          : [Object.fromEntries(Object.entries(p.params).map(([k, v]) => [k.replace(/^[:@$]/, ''), bindValue(v)]))];
      const maxRows = p.max_rows ?? 1000;
      try {
        if (statement.reader) {
          const columns = statement.columns().map((c) => c.name);
          const rows: Array<Record<string, unknown>> = [];
          let truncated = false;
          for (const row of statement.iterate(...bind) as Iterable<Record<string, unknown>>) {
            if (rows.length === maxRows) {
              truncated = true;
              break;
            }
            rows.push(Object.fromEntries(Object.entries(row).map(([k, v]) => [k, jsonValue(v)])));
          }
          return { rows, columns, row_count: rows.length, truncated, changes: 0, last_insert_rowid: 0 };
        }
        const result = statement.run(...bind);
        return { rows: [], columns: [], row_count: 0, truncated: false, changes: Number(result.changes), last_insert_rowid: jsonValue(result.lastInsertRowid) as number | string };
      } catch (error) {
        if (error instanceof RangeError) throw new PluginError('E_SQL_PARAMS', `the parameters do not match the query: ${error.message}`, { nonRetryable: true });
        throw sqlError(error, 'the query failed');
      }
    } finally {
      db.close();
    }
  },
});

export { parseDatabaseUrl, databaseClaims, openDatabase, refuseFileStatements, sqlError } from './database.ts';
export type { DatabaseLocation } from './database.ts';
