import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { PluginRegistry, validateMission } from '@rustchain/core';
import { compileMission } from '@rustchain/compiler';
import { REPO_ROOT, repoProject } from './helpers.ts';

// Golden files: fixtures/compiler/<case>/mission.yaml compiles to expected.mission.ts byte for
// byte. Regenerate only on purpose: UPDATE_GOLDEN=1 node scripts/run-tests.mjs tests/compiler/golden
const CASES_DIR = join(REPO_ROOT, 'fixtures', 'compiler');
const UPDATE = process.env['UPDATE_GOLDEN'] === '1';

for (const name of readdirSync(CASES_DIR).sort()) {
  test(`golden: ${name}`, async () => {
    const project = await repoProject();
    // The manifest records each plugin's file integrity, which changes with every edit of a
    // plugin's sources; the golden text pins everything else (integrity: null).
    const registry = new PluginRegistry(project.registry.list().map((plugin) => ({ ...plugin, integrity: null })));
    const dir = join(CASES_DIR, name);
    const outFile = join(dir, 'expected.mission.ts');
    const validation = await validateMission(join(dir, 'mission.yaml'), { registry });
    assert.deepEqual(validation.diagnostics.filter((d) => d.severity === 'error'), []);
    const first = compileMission(validation.mission!, registry, { outFile, resolveFrom: REPO_ROOT, compilerVersion: '0.0.0-golden' });
    assert.deepEqual(first.diagnostics, []);
    const second = compileMission(validation.mission!, registry, { outFile, resolveFrom: REPO_ROOT, compilerVersion: '0.0.0-golden', typecheck: false });
    assert.equal(second.code, first.code, 'compiling twice gives identical bytes');
    if (UPDATE) await writeFile(outFile, first.code);
    assert.equal(first.code, await readFile(outFile, 'utf8'));
  });
}
