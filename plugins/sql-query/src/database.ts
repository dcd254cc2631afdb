import { createRequire } from 'node:module';
import type Database from 'better-sqlite3';

/**
 * better-sqlite3 (a native addon) loads when a database is first opened, not when the plugin
 * is imported: every rustchain invocation imports every configured plugin.
 */
const loadDriver = (): typeof Database => createRequire(import.meta.url)('better-sqlite3') as typeof Database;
import { PluginError, type ResourceClaim, type StepContext } from '@rustchain/core/plugin';

/**
 * SQLite access shared by sql_query, db_backup and db_migrate. A database is `sqlite://memory:`
 * (or `:memory:`), or a file named by `sqlite://path`, `sqlite:path` or a plain path, resolved
 * through ctx.fs.resolve (policy on its real path) before better-sqlite3 opens it. SQL that
 * would reach other files (ATTACH, VACUUM INTO) is refused before it runs: SQLite itself would
 * open any path it is given, outside the policy's view.
 */

/** Where a database lives. */
export type DatabaseLocation = { kind: 'memory' } | { kind: 'file'; path: string };

/** Only SQLite is built in; these name what was asked for in the refusal. */
const OTHER_SCHEMES = /^([a-z][a-z0-9+.-]*):\/\//i;

/** Parses a database_url; throws E_SQL_UNSUPPORTED_DATABASE for non-SQLite URLs. */
export function parseDatabaseUrl(url: string): DatabaseLocation {
  const trimmed = url.trim();
  if (trimmed === ':memory:' || /^sqlite:(\/\/)?(:?memory:?)$/i.test(trimmed)) return { kind: 'memory' };
  let path: string;
  if (/^sqlite:\/\//i.test(trimmed)) path = trimmed.slice('sqlite://'.length);
  else if (/^sqlite:/i.test(trimmed)) path = trimmed.slice('sqlite:'.length);
  else {
    const scheme = OTHER_SCHEMES.exec(trimmed)?.[1];
    if (scheme !== undefined) {
      throw new PluginError('E_SQL_UNSUPPORTED_DATABASE', `database_url scheme ${scheme}:// is not supported: only SQLite (sqlite://path, sqlite://memory:) is built in`, {
        details: { scheme },
        nonRetryable: true,
      });
    }
    path = trimmed;
  }
  // Connection options (`?mode=ro`...) are not interpreted: strip them rather than open a file named so.
  path = path.replace(/\?.*$/, '');
  if (path === '') throw new PluginError('E_SQL_UNSUPPORTED_DATABASE', `database_url \`${url}\` names no database file`, { details: { url }, nonRetryable: true });
  return { kind: 'file', path };
}

/** The static claim of a database_url (none for memory, templates or bad URLs: checked at run time). */
export function databaseClaims(url: string | undefined, access: 'read' | 'write', pointer: string): ResourceClaim[] {
  if (url === undefined) return [];
  try {
    const location = parseDatabaseUrl(url);
    return location.kind === 'file' ? [{ kind: access, path: location.path, pointer }] : [];
  } catch {
    return [];
  }
}

/** Wraps an SQLite error (its code, e.g. SQLITE_ERROR, SQLITE_CONSTRAINT_UNIQUE, in details). */
export function sqlError(error: unknown, what: string): PluginError {
  if (error instanceof PluginError) return error;
  const sqliteCode = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  return new PluginError('E_SQL_ERROR', `${what}: ${message}`, {
    details: { sqliteCode: typeof sqliteCode === 'string' ? sqliteCode : null },
    nonRetryable: sqliteCode !== 'SQLITE_BUSY' && sqliteCode !== 'SQLITE_LOCKED',
    cause: error,
  });
}

/** The file a database_url names, resolved (and policy-checked) through ctx.fs; null for memory. */
export async function resolveDatabase(ctx: StepContext, url: string, access: 'read' | 'write'): Promise<string | null> {
  const location = parseDatabaseUrl(url);
  if (location.kind === 'memory') return null;
  const path = await ctx.fs.resolve(location.path, access);
  if (access === 'read' && (await ctx.fs.stat(path)) === null) {
    throw new PluginError('E_FS_NOT_FOUND', `database \`${location.path}\` does not exist`, { details: { path }, nonRetryable: true });
  }
  return path;
}

/** Opens the database in this thread; files are resolved (and policy-checked) through ctx.fs first. */
export async function openDatabase(ctx: StepContext, url: string, access: 'read' | 'write'): Promise<{ db: Database.Database; path: string | null }> {
  const path = await resolveDatabase(ctx, url, access);
  let db: Database.Database;
  try {
    db = new (loadDriver())(path ?? ':memory:', { readonly: access === 'read', fileMustExist: access === 'read', timeout: 5000 });
  } catch (error) {
    throw sqlError(error, `cannot open the database`);
  }
  // Schema objects (views, triggers) of an untrusted file may not call functions with side effects.
  db.pragma('trusted_schema = OFF');
  return { db, path };
}

/** Words of the SQL outside string literals, quoted identifiers and comments, per statement. */
function statements(sql: string): string[][] {
  const out: string[][] = [[]];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    if (c === "'" || c === '"' || c === '`' || c === '[') {
      const close = c === '[' ? ']' : c;
      i++;
      while (i < sql.length) {
        if (sql[i] === close) {
          if (close !== ']' && sql[i + 1] === close) i += 2;
          else break;
        } else i++;
      }
      i++;
    } else if (c === '-' && sql[i + 1] === '-') {
      while (i < sql.length && sql[i] !== '\n') i++;
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end === -1 ? sql.length : end + 2;
    } else if (c === ';') {
      out.push([]);
      i++;
    } else if (/[A-Za-z_]/.test(c)) {
      const start = i;
      while (i < sql.length && /[A-Za-z0-9_$]/.test(sql[i]!)) i++;
      out[out.length - 1]!.push(sql.slice(start, i).toUpperCase());
    } else i++;
  }
  return out.filter((s) => s.length > 0);
}

/** Refuses SQL that opens or writes other files than the database: ATTACH and VACUUM INTO. */
export function refuseFileStatements(sql: string): void {
  for (const words of statements(sql)) {
    const attach = words.includes('ATTACH');
    const vacuumInto = words[0] === 'VACUUM' && words.includes('INTO');
    if (attach || vacuumInto) {
      const statement = attach ? 'ATTACH' : 'VACUUM INTO';
      throw new PluginError('E_SQL_STATEMENT_DENIED', `${statement} is not allowed: it opens or writes a file outside the policy's view (use db_backup to copy a database)`, {
        details: { statement },
        nonRetryable: true,
      });
    }
  }
}
