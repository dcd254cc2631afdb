import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import { isCompiledMission } from '@rustchain/core';
import { compileMission } from '@rustchain/compiler';
import { REPO_ROOT, mission, repoProject, step } from './helpers.ts';

/** A compiled module keeps the mission's config.llm_budget (and emits nothing for a mission without one). */

test('config.llm_budget survives compilation: the module\'s mission has the same limits', async (t) => {
  const project = await repoProject();
  // Inside the repo: the module imports the workspace packages.
  const dir = await mkdtemp(join(REPO_ROOT, 'tests', 'compiler', '.tmp-llm-budget-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const base = mission([step('a', 'noop')]);
  const budget = { maxInputTokens: 1000, maxOutputTokens: 200, maxCost: 0.5 };
  for (const [name, m] of [['with', { ...base, config: { ...base.config, llmBudget: budget } }], ['without', base]] as const) {
    const file = join(dir, `${name}.mission.ts`);
    const { code, diagnostics } = compileMission(m, project.registry, { outFile: file, cwd: dir, typecheck: false });
    assert.deepEqual(diagnostics, []);
    assert.equal(code.includes('llmBudget'), name === 'with');
    await writeFile(file, code);
    const imported = (await import(pathToFileURL(file).href)) as { default: unknown };
    assert.ok(isCompiledMission(imported.default));
    assert.deepEqual(imported.default.toMission().config.llmBudget, name === 'with' ? budget : undefined);
  }
});
