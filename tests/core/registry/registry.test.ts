import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isRustchainError, loadConfig, loadPlugins, loadProject, PluginRegistry, type DiagnosticsError } from '@rustchain/core';
import { fakePlugin, pluginOf, tempProject, writeTree } from './helpers.ts';

/** Runs `fn` and returns the DiagnosticsError it throws. */
async function diagnosticsOf(fn: () => Promise<unknown>): Promise<DiagnosticsError> {
  try {
    await fn();
  } catch (error) {
    assert.ok(isRustchainError(error) && 'diagnostics' in error, `expected a DiagnosticsError, got ${String(error)}`);
    return error as DiagnosticsError;
  }
  assert.fail('expected a DiagnosticsError');
}

const config = (plugins: string[], extra = ''): string =>
  `export default { plugins: ${JSON.stringify(plugins, null, 2)}${extra} };\n`;

describe('loadPlugins', () => {
  it('loads plugins with name, version and specifier, sorted by type', async () => {
    const { dir, cleanup } = await tempProject();
    try {
      await writeTree(dir, { ...fakePlugin('p-zeta', pluginOf('zeta')), ...fakePlugin('p-alpha', pluginOf('alpha'), '2.0.0'), 'rustchain.config.mjs': config(['p-zeta', 'p-alpha']) });
      const project = await loadProject({ cwd: dir });
      assert.equal(project.configFile, join(dir, 'rustchain.config.mjs'));
      assert.deepEqual(project.registry.types(), ['alpha', 'zeta']);
      const alpha = project.registry.get('alpha');
      assert.equal(alpha?.packageName, 'p-alpha');
      assert.equal(alpha?.version, '2.0.0');
      assert.equal(alpha?.specifier, 'p-alpha');
      assert.equal(alpha?.packageDir, join(dir, 'node_modules', 'p-alpha'));
      assert.match(alpha?.integrity ?? '', /^sha256-[A-Za-z0-9+/]{43}=$/);
      assert.equal(project.registry.has('zeta'), true);
      assert.equal(project.registry.has('beta'), false);
    } finally {
      await cleanup();
    }
  });

  it('integrity is a digest of the installed files: editing any file of the plugin changes it, a cache does not hide it', async () => {
    const { dir, cleanup } = await tempProject();
    try {
      await writeTree(dir, fakePlugin('p-one', pluginOf('one')));
      const before = (await loadPlugins({ plugins: ['p-one'] }, dir)).get('one')?.integrity;
      assert.equal((await loadPlugins({ plugins: ['p-one'] }, dir)).get('one')?.integrity, before, 'same files, same digest');
      await writeTree(dir, { 'node_modules/p-one/index.js': `${fakePlugin('p-one', pluginOf('one'))['node_modules/p-one/index.js']}// edited\n` });
      const after = (await loadPlugins({ plugins: ['p-one'] }, dir)).get('one')?.integrity;
      assert.notEqual(after, before);
    } finally {
      await cleanup();
    }
  });

  it('refuses a plugin whose SDK range (peer @rustchain/core) excludes the running core, naming the range', async () => {
    const { dir, cleanup } = await tempProject();
    try {
      const files = fakePlugin('p-old', pluginOf('old'));
      const pkg = JSON.parse(files['node_modules/p-old/package.json']!) as Record<string, unknown>;
      files['node_modules/p-old/package.json'] = JSON.stringify({ ...pkg, peerDependencies: { '@rustchain/core': '^99.0.0' } });
      await writeTree(dir, { ...files, ...fakePlugin('p-ok', pluginOf('ok')), 'rustchain.config.mjs': config(['p-old', 'p-ok']) });
      await assert.rejects(loadProject({ cwd: dir }), (error: { diagnostics?: { code: string; message: string; line: number }[] }) => {
        assert.deepEqual(error.diagnostics?.map((d) => d.code), ['E_PLUGIN_INCOMPATIBLE']);
        assert.match(error.diagnostics?.[0]?.message ?? '', /\^99\.0\.0/);
        assert.equal(error.diagnostics?.[0]?.line, 2);
        return true;
      });
    } finally {
      await cleanup();
    }
  });

  const failures: Array<{ name: string; files: Record<string, string>; plugins: string[]; codes: string[]; line: number }> = [
    { name: 'missing package', files: {}, plugins: ['p-missing'], codes: ['E_PLUGIN_NOT_FOUND'], line: 2 },
    { name: 'default export is not a plugin', files: fakePlugin('p-bad', `{ type: 'bad', run() {} }`), plugins: ['p-bad'], codes: ['E_PLUGIN_INVALID'], line: 2 },
    { name: 'no default export', files: fakePlugin('p-none', `undefined`), plugins: ['p-none'], codes: ['E_PLUGIN_INVALID'], line: 2 },
    { name: 'entry throws on import', files: fakePlugin('p-throws', `(() => { throw new Error('boom'); })()`), plugins: ['p-throws'], codes: ['E_PLUGIN_INVALID'], line: 2 },
    {
      name: 'two plugins claim one step type',
      files: { ...fakePlugin('p-a', pluginOf('same')), ...fakePlugin('p-b', pluginOf('same')) },
      plugins: ['p-a', 'p-b'],
      codes: ['E_PLUGIN_DUPLICATE_TYPE'],
      line: 3,
    },
    {
      name: 'every problem is collected',
      files: fakePlugin('p-bad', `{}`),
      plugins: ['p-missing', 'p-bad'],
      codes: ['E_PLUGIN_NOT_FOUND', 'E_PLUGIN_INVALID'],
      line: 2,
    },
  ];
  for (const { name, files, plugins, codes, line } of failures) {
    it(`${name} -> ${codes.join(', ')} at the config file`, async () => {
      const { dir, cleanup } = await tempProject();
      try {
        await writeTree(dir, { ...files, 'rustchain.config.mjs': config(plugins) });
        const error = await diagnosticsOf(() => loadProject({ cwd: dir }));
        assert.deepEqual(error.diagnostics.map((d) => d.code), codes);
        const first = error.diagnostics[0];
        assert.equal(first?.file, join(dir, 'rustchain.config.mjs'));
        assert.equal(first?.line, line);
        assert.equal(first?.severity, 'error');
      } finally {
        await cleanup();
      }
    });
  }
});

describe('loadConfig', () => {
  it('finds the nearest config searching up from a subdirectory', async () => {
    const { dir, cleanup } = await tempProject();
    try {
      await writeTree(dir, { 'rustchain.config.json': JSON.stringify({ plugins: [] }), 'sub/deeper/.keep': '' });
      const loaded = await loadConfig({ cwd: join(dir, 'sub', 'deeper') });
      assert.equal(loaded.file, join(dir, 'rustchain.config.json'));
      assert.equal(loaded.dir, dir);
    } finally {
      await cleanup();
    }
  });

  it('loads a TypeScript config through the running loader', async () => {
    const { dir, cleanup } = await tempProject();
    try {
      await writeTree(dir, { 'rustchain.config.ts': `const plugins: string[] = [];\nexport default { plugins, stateDir: 'state' };\n` });
      const project = await loadProject({ cwd: dir });
      assert.equal(project.configFile, join(dir, 'rustchain.config.ts'));
      assert.deepEqual(project.registry.types(), []);
      if (process.env['RUSTCHAIN_HOME'] === undefined) assert.equal(project.stateDir, join(dir, 'state'));
    } finally {
      await cleanup();
    }
  });

  it('stops at the project root: no config means the first-party defaults', async () => {
    const { dir, cleanup } = await tempProject();
    try {
      const loaded = await loadConfig({ cwd: dir });
      assert.equal(loaded.file, null);
      assert.equal(loaded.dir, dir);
      assert.ok(loaded.config.plugins.includes('@rustchain/plugin-noop'));
    } finally {
      await cleanup();
    }
  });

  const invalid: Array<{ name: string; file: string; text: string; pointers: string[] }> = [
    { name: 'plugins is not a list', file: 'rustchain.config.json', text: JSON.stringify({ plugins: 'p' }), pointers: ['/plugins'] },
    { name: 'plugins missing', file: 'rustchain.config.json', text: JSON.stringify({}), pointers: ['/plugins'] },
    { name: 'unknown top-level key', file: 'rustchain.config.json', text: JSON.stringify({ plugins: [], plugin: [] }), pointers: ['/plugin'] },
    { name: 'misspelt policy key (it would drop a restriction)', file: 'rustchain.config.json', text: JSON.stringify({ plugins: [], policy: { sandbx: 'required' } }), pointers: ['/policy/sandbx'] },
    { name: 'policy limit of the wrong type', file: 'rustchain.config.json', text: JSON.stringify({ plugins: [], policy: { limits: { maxSteps: 'many' } } }), pointers: ['/policy/limits/maxSteps'] },
    { name: 'default export is not an object', file: 'rustchain.config.mjs', text: 'export default 42;', pointers: [''] },
    { name: 'config does not parse', file: 'rustchain.config.json', text: '{ plugins: ', pointers: [] },
    { name: 'config throws on import', file: 'rustchain.config.mjs', text: 'throw new Error("nope");', pointers: [] },
  ];
  for (const { name, file, text, pointers } of invalid) {
    it(`${name} -> E_CONFIG_INVALID at its key in ${file} (else 1:1)`, async () => {
      const { dir, cleanup } = await tempProject();
      try {
        await writeTree(dir, { [file]: text });
        const error = await diagnosticsOf(() => loadConfig({ cwd: dir }));
        assert.ok(error.diagnostics.length > 0);
        for (const d of error.diagnostics) {
          assert.equal(d.code, 'E_CONFIG_INVALID');
          assert.equal(d.file, join(dir, file));
          // The key the pointer names, where the (one-line) text shows it; 1:1 when it does not.
          const key = d.pointer === undefined || d.pointer === '' ? -1 : text.lastIndexOf(`"${d.pointer.split('/').pop() ?? ''}"`);
          assert.deepEqual([d.line, d.column], [1, key === -1 ? 1 : key + 1]);
        }
        if (pointers.length > 0) assert.deepEqual(error.diagnostics.map((d) => d.pointer), pointers);
      } finally {
        await cleanup();
      }
    });
  }

  it('an explicit --config path that does not exist -> E_FILE_NOT_FOUND', async () => {
    const { dir, cleanup } = await tempProject();
    try {
      const error = await diagnosticsOf(() => loadConfig({ cwd: dir, configFile: 'nope.config.ts' }));
      assert.equal(error.diagnostics[0]?.code, 'E_FILE_NOT_FOUND');
    } finally {
      await cleanup();
    }
  });
});

describe('PluginRegistry', () => {
  it('keeps the first of two plugins with one type when built by hand', () => {
    const make = (type: string, packageName: string) => ({
      definition: { type } as never, packageName, version: '1.0.0', specifier: packageName, packageDir: '/x', integrity: null,
    });
    const registry = new PluginRegistry([make('b', 'one'), make('a', 'two'), make('b', 'three')]);
    assert.deepEqual(registry.types(), ['a', 'b']);
    assert.equal(registry.get('b')?.packageName, 'one');
    assert.deepEqual(registry.list().map((p) => p.packageName), ['two', 'one']);
  });
});
