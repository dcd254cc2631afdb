import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { Value } from '@sinclair/typebox/value';
import sqlQuery from '@rustchain/plugin-sql-query';
import dbBackup from '@rustchain/plugin-db-backup';
import dbMigrate from '@rustchain/plugin-db-migrate';
import { executeMission } from '../../core/src/engine/execute.ts';
import type { DefinedPlugin, StepTypeLookup } from '../../core/src/plugin/sdk.ts';
import { ctxFor, policyFor, rejectsWith, tempDir } from '../core/capabilities/helpers.ts';
import { mission, step } from '../core/engine/helpers.ts';

const query = sqlQuery as DefinedPlugin;
const backup = dbBackup as DefinedPlugin;
const migrate = dbMigrate as DefinedPlugin;
const call = async (plugin: DefinedPlugin, params: Record<string, unknown>, root: string): Promise<Record<string, unknown>> => {
  assert.ok(Value.Check(plugin.params, params), `params match the ${plugin.type} schema`);
  const out = (await plugin.run(params as never, ctxFor(root, policyFor(root)))) as Record<string, unknown>;
  assert.ok(Value.Check(plugin.outputs, out), JSON.stringify([...Value.Errors(plugin.outputs, out)].slice(0, 3)));
  return out;
};

test('sql_query: the original form runs on an in-memory database', async (t) => {
  const root = await tempDir(t);
  const out = await call(query, { query: "SELECT 1 AS one, 'x' AS s, NULL AS n, x'00ff' AS b, 9007199254740993 AS big" }, root);
  assert.deepEqual(out['columns'], ['one', 's', 'n', 'b', 'big']);
  assert.deepEqual(out['rows'], [{ one: 1, s: 'x', n: null, b: { type: 'blob', base64: 'AP8=' }, big: '9007199254740993' }]);
  assert.equal((await call(query, { query: 'SELECT 1', database_url: ':memory:' }, root))['row_count'], 1);
});

test('sql_query: a real file; parameters are bound, never interpolated; rows, changes, rowid, max_rows', async (t) => {
  const root = await tempDir(t);
  const db = 'sqlite://data/app.db';
  await mkdir(join(root, 'data'));
  await call(query, { query: 'CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, admin INTEGER)', database_url: db }, root);
  const hostile = "x'); DROP TABLE users; --";
  const inserted = await call(query, { query: 'INSERT INTO users (name, admin) VALUES (?, ?)', params: [hostile, true], database_url: db }, root);
  assert.equal(inserted['changes'], 1);
  assert.equal(inserted['last_insert_rowid'], 1);
  await call(query, { query: 'INSERT INTO users (name, admin) VALUES (:name, @admin)', params: { name: 'bob', '@admin': false }, database_url: db }, root);
  for (let i = 0; i < 5; i++) await call(query, { query: 'INSERT INTO users (name) VALUES ($n)', params: { n: `u${i}` }, database_url: join(root, 'data/app.db') }, root);
  const rows = await call(query, { query: 'SELECT id, name, admin FROM users WHERE id <= ? ORDER BY id', params: [2], database_url: db }, root);
  assert.deepEqual(rows['rows'], [{ id: 1, name: hostile, admin: 1 }, { id: 2, name: 'bob', admin: 0 }]);
  const capped = await call(query, { query: 'SELECT * FROM users', database_url: db, max_rows: 3 }, root);
  assert.equal(capped['row_count'], 3);
  assert.equal(capped['truncated'], true);
  // Checked with SQLite directly: the file is real, the table survived the hostile value.
  const direct = new Database(join(root, 'data/app.db'), { readonly: true });
  t.after(() => direct.close());
  assert.equal((direct.prepare('SELECT count(*) AS c FROM users').get() as { c: number }).c, 7);
  await rejectsWith(call(query, { query: 'DELETE FROM users', database_url: db, readonly: true }, root), 'E_SQL_ERROR');
});

test('sql_query: refusals and errors carry codes', async (t) => {
  const root = await tempDir(t);
  await rejectsWith(call(query, { query: 'SELECT 1', database_url: 'postgres://db.example/app' }, root), 'E_SQL_UNSUPPORTED_DATABASE');
  await rejectsWith(call(query, { query: 'SELECT 1', database_url: 'mysql://localhost/app' }, root), 'E_SQL_UNSUPPORTED_DATABASE');
  await rejectsWith(call(query, { query: 'SELECT 1', database_url: 'sqlite:///etc/app.db' }, root), 'E_POLICY_PATH_DENIED');
  await rejectsWith(call(query, { query: 'SELECT 1', database_url: 'sqlite://.rustchain/state.db' }, root), 'E_POLICY_PATH_DENIED');
  await rejectsWith(call(query, { query: "ATTACH DATABASE '/tmp/rc-attached.db' AS x" }, root), 'E_SQL_STATEMENT_DENIED');
  await rejectsWith(call(query, { query: "/* hi */ attach '/tmp/rc-attached.db' as x" }, root), 'E_SQL_STATEMENT_DENIED');
  await rejectsWith(call(query, { query: "VACUUM INTO '/tmp/rc-vacuum.db'" }, root), 'E_SQL_STATEMENT_DENIED');
  assert.equal(existsSync('/tmp/rc-attached.db') || existsSync('/tmp/rc-vacuum.db'), false);
  // The words inside a literal are data, not statements.
  assert.deepEqual((await call(query, { query: "SELECT 'ATTACH x; VACUUM INTO y' AS s" }, root))['rows'], [{ s: 'ATTACH x; VACUUM INTO y' }]);
  const syntax = await rejectsWith(call(query, { query: 'SELEC nonsense' }, root), 'E_SQL_ERROR');
  assert.equal(syntax.details['sqliteCode'], 'SQLITE_ERROR');
  await rejectsWith(call(query, { query: 'SELECT ?, ?', params: [1] }, root), 'E_SQL_PARAMS');
  await rejectsWith(call(query, { query: 'SELECT 1', database_url: 'missing.db', readonly: true }, root), 'E_FS_NOT_FOUND');
  await writeFile(join(root, 'not.db'), 'this is not a database, just text that is long enough to have a header');
  await rejectsWith(call(query, { query: 'SELECT 1', database_url: 'not.db' }, root), 'E_SQL_ERROR');
  assert.equal(Value.Check(query.params, { database_url: 'x.db' }), false);
  assert.deepEqual(query.claims?.({ query: 'SELECT 1', database_url: 'sqlite://a/b.db' } as never), [{ kind: 'write', path: 'a/b.db', pointer: '/database_url' }]);
  assert.deepEqual(query.claims?.({ query: 'SELECT 1' } as never), []);
});

test('sql_query: a long statement runs off the engine thread, so a timeout or cancel is not blocked by it', async (t) => {
  const root = await tempDir(t);
  const controller = new AbortController();
  const ctx = ctxFor(root, policyFor(root), { signal: controller.signal });
  // ~1 s of SQLite work in one sqlite3_step (an aggregate yields no row until the end).
  const slow = 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000000) SELECT count(*) AS n FROM c';
  const began = Date.now();
  setTimeout(() => controller.abort(new Error('step timeout')), 50);
  await assert.rejects(query.run({ query: slow } as never, ctx), /step timeout/);
  const elapsed = Date.now() - began;
  assert.ok(elapsed < 500, `the abort was heard after ${elapsed} ms`);
});

test('db_backup: an online backup of a real database, verified; policy and bad input', async (t) => {
  const root = await tempDir(t);
  const src = new Database(join(root, 'live.db'));
  src.exec("CREATE TABLE t (v TEXT); INSERT INTO t VALUES ('a'), ('b');");
  src.pragma('journal_mode = WAL');
  src.exec("INSERT INTO t VALUES ('c')"); // in the WAL, not yet in the main file: a file copy would miss it
  t.after(() => src.close());
  const out = await call(backup, { source: 'live.db', destination: 'backups/live-copy.db' }, root);
  assert.equal(out['path'], join(root, 'backups/live-copy.db'));
  assert.equal(out['verified'], true);
  assert.ok((out['pages'] as number) > 0 && (out['bytes'] as number) > 0);
  const copy = new Database(join(root, 'backups/live-copy.db'), { readonly: true });
  t.after(() => copy.close());
  assert.deepEqual(copy.prepare('SELECT v FROM t ORDER BY v').pluck().all(), ['a', 'b', 'c']);
  await rejectsWith(call(backup, { source: 'live.db', destination: '/tmp/rc-backup.db' }, root), 'E_POLICY_PATH_DENIED');
  await rejectsWith(call(backup, { source: '/etc/passwd', destination: 'x.db' }, root), 'E_POLICY_PATH_DENIED');
  await rejectsWith(call(backup, { source: 'missing.db', destination: 'x.db' }, root), 'E_FS_NOT_FOUND');
  await rejectsWith(call(backup, { source: 'live.db', destination: 'sqlite://live.db' }, root), 'E_SQL_BACKUP_SAME_FILE');
  await rejectsWith(call(backup, { source: 'sqlite://memory:', destination: 'x.db' }, root), 'E_SQL_UNSUPPORTED_DATABASE');
});

test('db_migrate: applies in name order, each in a transaction; skips applied ones; refuses a changed one', async (t) => {
  const root = await tempDir(t);
  await mkdir(join(root, 'migrations'));
  await writeFile(join(root, 'migrations/002_seed.sql'), "INSERT INTO items (name) VALUES ('first');");
  await writeFile(join(root, 'migrations/001_init.sql'), 'CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);');
  await writeFile(join(root, 'migrations/notes.txt'), 'not a migration');
  const db = 'sqlite://app.db';
  assert.deepEqual(await call(migrate, { database_url: db }, root), { applied: ['001_init.sql', '002_seed.sql'], skipped: [] });
  await writeFile(join(root, 'migrations/003_more.sql'), "INSERT INTO items (name) VALUES ('second');\nINSERT INTO items (name) VALUES ('third');");
  assert.deepEqual(await call(migrate, { database_url: db }, root), { applied: ['003_more.sql'], skipped: ['001_init.sql', '002_seed.sql'] });
  assert.deepEqual(await call(migrate, { database_url: db }, root), { applied: [], skipped: ['001_init.sql', '002_seed.sql', '003_more.sql'] });

  // A failing migration rolls back entirely (its first INSERT too) and is not recorded.
  await writeFile(join(root, 'migrations/004_bad.sql'), "INSERT INTO items (name) VALUES ('fourth');\nINSERT INTO items (name) VALUES ('first');");
  const failed = await rejectsWith(call(migrate, { database_url: db }, root), 'E_SQL_MIGRATION_FAILED');
  assert.equal(failed.details['migration'], '004_bad.sql');
  const direct = new Database(join(root, 'app.db'), { readonly: true });
  t.after(() => direct.close());
  assert.deepEqual(direct.prepare('SELECT name FROM items ORDER BY id').pluck().all(), ['first', 'second', 'third']);
  assert.deepEqual(direct.prepare('SELECT name FROM _rustchain_migrations ORDER BY name').pluck().all(), ['001_init.sql', '002_seed.sql', '003_more.sql']);
  assert.match(direct.prepare("SELECT checksum FROM _rustchain_migrations WHERE name = '001_init.sql'").pluck().get() as string, /^[0-9a-f]{64}$/);

  // Editing an applied migration is refused before anything new runs.
  await writeFile(join(root, 'migrations/004_bad.sql'), "INSERT INTO items (name) VALUES ('fourth');");
  await writeFile(join(root, 'migrations/001_init.sql'), 'CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT);');
  const changed = await rejectsWith(call(migrate, { database_url: db }, root), 'E_SQL_MIGRATION_CHANGED');
  assert.equal(changed.details['migration'], '001_init.sql');
  assert.deepEqual(direct.prepare('SELECT count(*) FROM items').pluck().get(), 3);

  await writeFile(join(root, 'migrations/005_attach.sql'), "ATTACH '/tmp/rc-m.db' AS m;");
  await rejectsWith(call(migrate, { database_url: 'sqlite://other.db' }, root), 'E_SQL_STATEMENT_DENIED');
  await rejectsWith(call(migrate, { migration_dir: 'nope', database_url: db }, root), 'E_FS_NOT_FOUND');
  await rejectsWith(call(migrate, { migration_dir: '/etc', database_url: db }, root), 'E_POLICY_PATH_DENIED');
});

test('engine: migrate, query and back up in one mission', async (t) => {
  const root = await tempDir(t);
  await mkdir(join(root, 'migrations'));
  await writeFile(join(root, 'migrations/001.sql'), "CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT); INSERT INTO kv VALUES ('greeting', 'hello');");
  const plugins = new Map([query, backup, migrate].map((p) => [p.type, { definition: p }]));
  const registry: StepTypeLookup = { get: (ty) => plugins.get(ty), has: (ty) => plugins.has(ty), types: () => [...plugins.keys()].sort() };
  const result = await executeMission(
    mission([
      step('migrate', [], { type: 'db_migrate', parameters: { database_url: 'sqlite://app.db' }, timeoutSeconds: 30 }),
      step('read', ['migrate'], { type: 'sql_query', parameters: { query: 'SELECT v FROM kv WHERE k = ?', params: ['greeting'], database_url: 'sqlite://app.db' }, timeoutSeconds: 30 }),
      step('backup', ['read'], { type: 'db_backup', parameters: { source: 'app.db', destination: 'app.backup.db' }, timeoutSeconds: 30 }),
    ]),
    { registry, policy: policyFor(root), workDir: root, env: {} },
  );
  assert.equal(result.status, 'succeeded', JSON.stringify(result.steps.map((s) => s.error)));
  assert.deepEqual(result.steps[1]?.outputs['rows'], [{ v: 'hello' }]);
  assert.equal(result.steps[2]?.outputs['verified'], true);
});
