import assert from 'node:assert/strict';
import { mkdir, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { createStepContext } from '../../../core/src/capabilities/context.ts';
import { executeMission } from '../../../core/src/engine/execute.ts';
import { definePlugin, type StepTypeLookup } from '../../../core/src/plugin/sdk.ts';
import { Type } from '@sinclair/typebox';
import { mission, step } from '../engine/helpers.ts';
import { policyFor, rejectsWith, tempDir } from './helpers.ts';

/** ctx.data: a plugin's persistent files under <stateDir>/data, and nowhere else. */

function dataCtx(stateDir: string | undefined, root: string) {
  return createStepContext({
    runId: 'r', stepId: 's', attempt: 1, signal: new AbortController().signal, workDir: root, policy: policyFor(root), env: {},
    ...(stateDir === undefined ? {} : { stateDir }),
  });
}

test('ctx.data.path: <stateDir>/data/<name>, the directory created private, the file not', async (t) => {
  const root = await tempDir(t);
  const state = join(root, '.rustchain');
  const path = await dataCtx(state, root).data.path('store.sqlite');
  assert.equal(path, join(state, 'data', 'store.sqlite'));
  assert.equal((await stat(join(state, 'data'))).mode & 0o777, 0o700);
  await assert.rejects(stat(path), { code: 'ENOENT' });
});

test('ctx.data.path: a name must be one plain file name', async (t) => {
  const root = await tempDir(t);
  const ctx = dataCtx(join(root, 'state'), root);
  for (const name of ['', '.', '..', '../x', 'a/b', '/abs', '.hidden', 'a\0b', 'x'.repeat(200)]) {
    await rejectsWith(ctx.data.path(name), 'E_DATA_NAME_INVALID');
  }
  for (const name of ['a', 'rag-vectors.sqlite', 'cache_1.db', 'A.B-c_d']) assert.ok((await ctx.data.path(name)).endsWith(`/data/${name}`));
});

test('ctx.data.path: without a state dir it is E_DATA_UNAVAILABLE', async (t) => {
  const root = await tempDir(t);
  await rejectsWith(dataCtx(undefined, root).data.path('x.db'), 'E_DATA_UNAVAILABLE');
});

test('ctx.data.path: a symlinked data dir or file is refused (a native library would follow it)', async (t) => {
  const root = await tempDir(t);
  const elsewhere = join(root, 'elsewhere');
  await mkdir(elsewhere);
  await writeFile(join(elsewhere, 'secret'), 'x');
  const linkedDir = join(root, 'state-a');
  await mkdir(linkedDir);
  await symlink(elsewhere, join(linkedDir, 'data'));
  await rejectsWith(dataCtx(linkedDir, root).data.path('x.db'), 'E_FS_SYMLINK_REFUSED');
  const linkedFile = join(root, 'state-b');
  await mkdir(join(linkedFile, 'data'), { recursive: true });
  await symlink(join(elsewhere, 'secret'), join(linkedFile, 'data', 'x.db'));
  await rejectsWith(dataCtx(linkedFile, root).data.path('x.db'), 'E_FS_SYMLINK_REFUSED');
});

test('engine: ExecuteOptions.stateDir reaches ctx.data; a run without one fails the step with E_DATA_UNAVAILABLE', async (t) => {
  const root = await tempDir(t);
  const plugin = definePlugin({
    type: 'data_probe', description: 'returns its data path', params: Type.Object({}), outputs: Type.Object({ path: Type.String() }),
    capabilities: ['data'], effect: 'read',
    run: async (_params, ctx) => ({ path: await ctx.data.path('probe.db') }),
  });
  const registry: StepTypeLookup = { get: (type) => (type === 'data_probe' ? { definition: plugin } : undefined), has: (type) => type === 'data_probe', types: () => ['data_probe'] };
  const m = mission([step('probe', [], { type: 'data_probe' })]);
  const state = join(root, 'state');
  const withState = await executeMission(m, { registry, policy: policyFor(root), workDir: root, env: {}, stateDir: state });
  assert.equal(withState.status, 'succeeded');
  assert.equal(withState.steps[0]!.outputs['path'], join(state, 'data', 'probe.db'));
  const without = await executeMission(m, { registry, policy: policyFor(root), workDir: root, env: {} });
  assert.equal(without.status, 'failed');
  assert.equal(without.steps[0]!.error?.code, 'E_DATA_UNAVAILABLE');
});
