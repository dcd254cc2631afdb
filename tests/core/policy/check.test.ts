import assert from 'node:assert/strict';
import { test } from 'node:test';
import command from '@rustchain/plugin-command';
import createFile from '@rustchain/plugin-create-file';
import readFile from '@rustchain/plugin-read-file';
import noop from '@rustchain/plugin-noop';
import { DEFAULTS, type Mission, type MissionStep } from '../../../core/src/model/mission.ts';
import type { DefinedPlugin, StepTypeLookup } from '../../../core/src/plugin/sdk.ts';
import { checkPolicy } from '../../../core/src/policy/check.ts';
import type { Policy } from '../../../core/src/policy/types.ts';
import { policyFor, tempDir } from '../capabilities/helpers.ts';

/** A Map-backed registry of the given plugins. */
function registryOf(...plugins: DefinedPlugin[]): StepTypeLookup {
  const map = new Map(plugins.map((p) => [p.type, { definition: p }]));
  return { get: (t) => map.get(t), has: (t) => map.has(t), types: () => [...map.keys()].sort() };
}

const REGISTRY = registryOf(command as DefinedPlugin, createFile as DefinedPlugin, readFile as DefinedPlugin, noop as DefinedPlugin);

function step(id: string, type: string, parameters: Record<string, unknown>): MissionStep {
  return {
    id, name: id, type, parameters, dependsOn: [], timeoutSeconds: 300, continueOnError: false, hasTemplates: false,
    retry: { ...DEFAULTS.retry },
  };
}

/** A mission whose step i sits at line 10*i+2, each parameter on the following lines. */
function missionOf(steps: MissionStep[], omit: string[] = []): Mission {
  const sourceMap: Mission['sourceMap'] = {};
  steps.forEach((s, i) => {
    sourceMap[`/steps/${i}`] = { line: 10 * i + 2, column: 5 };
    sourceMap[`/steps/${i}/step_type`] = { line: 10 * i + 3, column: 5 };
    Object.keys(s.parameters).forEach((key, k) => {
      sourceMap[`/steps/${i}/parameters/${key}`] = { line: 10 * i + 5 + k, column: 7 };
    });
  });
  for (const pointer of omit) delete sourceMap[pointer];
  return {
    source: { file: 'm.yaml', sha256: '0'.repeat(64) }, version: '1.0', name: 'm', description: null,
    config: { failFast: true, timeoutSeconds: 300, maxParallelSteps: null }, vars: {}, steps, sourceMap,
  };
}

test('checkPolicy: rm -rf / and a write to /etc/x are both reported with their lines', async (t) => {
  const root = await tempDir(t);
  const mission = missionOf([
    step('ok', 'create_file', { path: 'out/a.txt', content: 'x' }),
    step('rm', 'command', { command: 'rm', args: ['-rf', '/'] }),
    step('etc', 'create_file', { path: '/etc/x', content: 'x' }),
  ]);
  const diagnostics = checkPolicy(mission, REGISTRY, policyFor(root), { workDir: root, env: process.env });
  assert.deepEqual(
    diagnostics.map((d) => [d.code, d.line, d.column, d.pointer]),
    [
      ['E_POLICY_COMMAND_DENIED', 15, 7, '/steps/1/parameters/command'],
      ['E_POLICY_PATH_DENIED', 25, 7, '/steps/2/parameters/path'],
    ],
  );
  assert.ok(diagnostics.every((d) => d.file === 'm.yaml' && d.severity === 'error'));
});

test('checkPolicy: allowed claims produce nothing; templated values wait for run time', async (t) => {
  const root = await tempDir(t);
  const policy: Policy = policyFor(root, { commands: { allow: ['echo'], shell: false } });
  const mission = missionOf([
    step('a', 'command', { command: ['echo', 'hi'], working_dir: '.' }),
    step('b', 'create_file', { path: '${{ vars.target }}' }),
    step('c', 'command', { command: '${{ steps.a.outputs.stdout }}' }),
    step('d', 'read_file', { path: 'x.txt' }),
    step('e', 'noop', {}),
    step('f', 'not_installed', { anything: 1 }),
  ]);
  assert.deepEqual(checkPolicy(mission, REGISTRY, policy, { workDir: root, env: process.env }), []);
});

test('checkPolicy: a working_dir outside the roots is reported at its own pointer', async (t) => {
  const root = await tempDir(t);
  const mission = missionOf([step('a', 'command', { command: 'echo', working_dir: '/' })]);
  const policy = policyFor(root, { commands: { allow: ['echo'], shell: false } });
  const diagnostics = checkPolicy(mission, REGISTRY, policy, { workDir: root, env: process.env });
  assert.deepEqual(diagnostics.map((d) => [d.code, d.pointer]), [['E_POLICY_PATH_DENIED', '/steps/0/parameters/working_dir']]);
});

test('checkPolicy: a step type outside policy.stepTypes is denied at /steps/i/step_type', async (t) => {
  const root = await tempDir(t);
  const mission = missionOf([step('a', 'noop', {}), step('b', 'create_file', { path: 'f' })]);
  const diagnostics = checkPolicy(mission, REGISTRY, policyFor(root, { stepTypes: ['noop'] }), { workDir: root, env: process.env });
  assert.deepEqual(diagnostics.map((d) => [d.code, d.line, d.pointer]), [['E_POLICY_STEP_TYPE_DENIED', 13, '/steps/1/step_type']]);
});

test('checkPolicy: without a source position for the parameter, the step position is used', async (t) => {
  const root = await tempDir(t);
  const mission = missionOf([step('a', 'read_file', { path: '/etc/passwd' })], ['/steps/0/parameters/path']);
  const diagnostics = checkPolicy(mission, REGISTRY, policyFor(root), { workDir: root, env: process.env });
  assert.deepEqual(diagnostics.map((d) => [d.code, d.line, d.column]), [['E_POLICY_PATH_DENIED', 2, 5]]);
});

test('checkPolicy: malformed parameters do not crash the check (the schema reports them)', async (t) => {
  const root = await tempDir(t);
  const mission = missionOf([step('a', 'command', { command: 42 }), step('b', 'create_file', {})]);
  assert.doesNotThrow(() => checkPolicy(mission, REGISTRY, policyFor(root), { workDir: root, env: process.env }));
});
