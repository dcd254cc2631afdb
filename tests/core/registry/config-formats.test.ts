import assert from 'node:assert/strict';
import { mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadProject } from '@rustchain/core';

/** Every config file format loads in an ESM and in a CommonJS package, with the same meaning. */

const REPO_MODULES = fileURLToPath(new URL('../../../node_modules', import.meta.url));
const PLUGINS = ['@rustchain/plugin-noop', '@rustchain/plugin-create-file'];
const list = JSON.stringify(PLUGINS);
const esm = `import { defineConfig } from '@rustchain/core';\nexport default defineConfig({ plugins: ${list}, stateDir: 'state' });\n`;
const cjs = `const { defineConfig } = require('@rustchain/core');\nmodule.exports = defineConfig({ plugins: ${list}, stateDir: 'state' });\n`;

/** The config text each extension holds in each kind of package. */
const FORMATS: Record<string, { module: string; commonjs: string }> = {
  ts: { module: esm, commonjs: esm },
  mts: { module: esm, commonjs: esm },
  cts: { module: esm, commonjs: esm },
  js: { module: esm, commonjs: cjs },
  mjs: { module: esm, commonjs: esm },
  cjs: { module: cjs, commonjs: cjs },
  json: { module: JSON.stringify({ plugins: PLUGINS, stateDir: 'state' }), commonjs: JSON.stringify({ plugins: PLUGINS, stateDir: 'state' }) },
};

for (const type of ['module', 'commonjs'] as const) {
  for (const [ext, texts] of Object.entries(FORMATS)) {
    test(`rustchain.config.${ext} loads in a "type": "${type}" package`, async () => {
      const dir = await realpath(await mkdtemp(join(tmpdir(), 'rustchain-config-')));
      try {
        await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'p', private: true, type }));
        await symlink(REPO_MODULES, join(dir, 'node_modules'), 'dir');
        await writeFile(join(dir, `rustchain.config.${ext}`), texts[type]);
        const project = await loadProject({ cwd: dir });
        assert.equal(project.configFile, join(dir, `rustchain.config.${ext}`));
        assert.deepEqual(project.registry.types(), ['create_file', 'noop']);
        assert.equal(project.stateDir, join(dir, 'state'));
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  }
}
