import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { FIRST_PARTY_PLUGINS, loadProject } from '@rustchain/core';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const folders = readdirSync(join(REPO, 'plugins'), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();

describe('first-party plugins match the folders on disk', () => {
  // One load of the repository's project (43 plugins) serves every case below.
  let loaded: ReturnType<typeof loadProject> | undefined;
  // Every plugin imported: the definitions themselves are checked (type = manifest's stepType).
  const repoProject = (): ReturnType<typeof loadProject> => (loaded ??= loadProject({ cwd: REPO }).then(async (project) => {
    await project.registry.load('all');
    return project;
  }));

  it('FIRST_PARTY_PLUGINS lists exactly the packages under plugins/', () => {
    const names = folders.map((folder) => (JSON.parse(readFileSync(join(REPO, 'plugins', folder, 'package.json'), 'utf8')) as { name: string }).name);
    assert.deepEqual([...FIRST_PARTY_PLUGINS].sort(), names.sort());
  });

  it("the repository's rustchain.config.ts loads every first-party plugin", async () => {
    const project = await repoProject();
    assert.equal(project.configFile, join(REPO, 'rustchain.config.ts'));
    assert.deepEqual(project.registry.list().map((p) => p.packageName).sort(), [...FIRST_PARTY_PLUGINS].sort());
  });

  it('every plugin package.json declares its step type (imported only when a command needs it)', () => {
    for (const folder of folders) {
      const pkg = JSON.parse(readFileSync(join(REPO, 'plugins', folder, 'package.json'), 'utf8')) as { rustchain?: { stepType?: string; listsSteps?: boolean } };
      assert.equal(pkg.rustchain?.stepType, folder.replaceAll('-', '_'), folder);
      // Only the agent lists the installed step types at run time (its tools).
      assert.equal(pkg.rustchain.listsSteps === true, folder === 'agent', folder);
    }
  });

  for (const folder of folders) {
    it(`plugins/${folder}: package @rustchain/plugin-${folder} implements step type ${folder.replaceAll('-', '_')}`, async () => {
      const project = await repoProject();
      const plugin = project.registry.get(folder.replaceAll('-', '_'));
      assert.equal(plugin?.packageName, `@rustchain/plugin-${folder}`);
      assert.equal(plugin?.packageDir, join(REPO, 'plugins', folder));
    });
  }
});
