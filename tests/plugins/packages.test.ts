import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { KindGuard } from '@sinclair/typebox';
import { PLUGIN_MARKER } from '@rustchain/core';

/** The registry matches the files on disk: every plugins/* package is one valid step type. */

const PLUGINS_DIR = new URL('../../plugins/', import.meta.url).pathname;
const kebab = (type: string): string => type.replace(/_/g, '-');
const dirs = readdirSync(PLUGINS_DIR, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(PLUGINS_DIR, d.name, 'package.json')))
  .map((d) => d.name)
  .sort();

test('plugins: there is at least the nine first-party packages', () => {
  for (const name of ['noop', 'create-file', 'read-file', 'edit-file', 'delete-file', 'copy-file', 'move-file', 'list-directory', 'command']) {
    assert.ok(dirs.includes(name), name);
  }
});

for (const dir of dirs) {
  test(`plugins/${dir}: package name matches its step type; the default export is a valid plugin`, async () => {
    const pkg = JSON.parse(readFileSync(join(PLUGINS_DIR, dir, 'package.json'), 'utf8')) as { name: string; version: string };
    const plugin = (await import(join(PLUGINS_DIR, dir, 'src', 'index.ts'))).default;
    assert.equal(plugin.kind, PLUGIN_MARKER);
    assert.match(plugin.type, /^[a-z][a-z0-9_]*$/);
    assert.equal(pkg.name, `@rustchain/plugin-${kebab(plugin.type)}`);
    assert.equal(dir, kebab(plugin.type));
    assert.equal(typeof plugin.description, 'string');
    assert.notEqual(plugin.description.trim(), '');
    assert.equal(typeof plugin.run, 'function');
    assert.ok(['pure', 'read', 'idempotent', 'side-effect'].includes(plugin.effect));
    // Params and outputs are typebox object schemas: the engine checks values against them and
    // the compiler derives typed parameters and output accessors from their properties.
    assert.ok(KindGuard.IsObject(plugin.params), 'params is a typebox object schema');
    assert.ok(KindGuard.IsObject(plugin.outputs), 'outputs is a typebox object schema');
    const changelog = readFileSync(join(PLUGINS_DIR, dir, 'CHANGELOG.md'), 'utf8');
    assert.ok(changelog.includes(pkg.version), `CHANGELOG.md mentions ${pkg.version}`);
  });
}
