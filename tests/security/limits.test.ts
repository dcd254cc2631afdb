import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import { checkPolicy, executeMission } from '@rustchain/core';
import { definePlugin, type DefinedPlugin, type StepTypeLookup } from '../../core/src/plugin/sdk.ts';
import { mission, OPEN_POLICY, step } from '../core/engine/helpers.ts';
import { assertLedgerRecords, inProject } from './harness.ts';

/**
 * Issue 11, limits: a run keeps at most policy.limits.maxRunOutputBytes (default 256 MiB) of
 * step outputs in memory and fails the step that crosses it with E_RUN_OUTPUTS_TOO_LARGE
 * (it used to grow to ~2 GB and die with exit 3); a plugin whose claims() throws is
 * E_PLUGIN_INVALID before anything runs, not skipped by the static check.
 */

interface RunDoc {
  status: string;
  steps: Array<{ id: string; status: string; error: { code: string } | null }>;
}

const registryOf = (...defs: DefinedPlugin[]): StepTypeLookup => {
  const plugins = new Map(defs.map((d) => [d.type, { definition: d }]));
  return { get: (t) => plugins.get(t), has: (t) => plugins.has(t), types: () => [...plugins.keys()] };
};

test('policy.limits.maxRunOutputBytes: the step that crosses the cap fails with E_RUN_OUTPUTS_TOO_LARGE (exit 1, ledger); later steps do not run', async () => {
  const reads = [0, 1, 2, 3].map((i) => `  - id: r${i}\n    step_type: read_file\n    ${i > 0 ? `depends_on: [r${i - 1}]\n    ` : ''}parameters: { path: big.txt }\n`).join('');
  const sentinel = '  - id: sentinel\n    step_type: create_file\n    depends_on: [r3]\n    parameters: { path: sentinel.txt, content: ran }\n';
  const files = { 'm.yaml': `steps:\n${reads}${sentinel}`, 'p.yaml': 'limits: { maxRunOutputBytes: 30000 }\n', 'big.txt': 'x'.repeat(12_000) };
  await inProject(files, ['mission', 'execute', 'm.yaml', '--policy', 'p.yaml'], async (c) => {
    assert.equal(c.run.code, 1, c.run.stderr);
    const steps = (c.doc as unknown as RunDoc).steps;
    assert.deepEqual(steps.map((s) => s.status).slice(0, 3), ['succeeded', 'succeeded', 'failed']);
    assert.equal(steps[2]?.error?.code, 'E_RUN_OUTPUTS_TOO_LARGE');
    assert.equal(existsSync(join(c.dir, 'sentinel.txt')), false);
    await assertLedgerRecords(c, 'E_RUN_OUTPUTS_TOO_LARGE');
  });
});

test('the default cap is 256 MiB: 30 steps of 9 MiB outputs fail at the 29th, cleanly', async () => {
  const big = 'x'.repeat(9 * 1024 * 1024);
  const producer = definePlugin({ type: 'big', description: 'big outputs', params: Type.Object({}), outputs: Type.Object({}), capabilities: [], effect: 'pure', run: async () => ({ s: big }) });
  const steps = Array.from({ length: 30 }, (_, i) => step(`s${i}`, i === 0 ? [] : [`s${i - 1}`], { type: 'big' }));
  const result = await executeMission(mission(steps), { registry: registryOf(producer as unknown as DefinedPlugin), policy: OPEN_POLICY, workDir: process.cwd() });
  assert.equal(result.status, 'failed');
  assert.equal(result.steps.filter((s) => s.status === 'succeeded').length, 28);
  assert.equal(result.steps[28]?.error?.code, 'E_RUN_OUTPUTS_TOO_LARGE');
});

test('a plugin whose claims() throws is E_PLUGIN_INVALID in the static check (nothing runs unjudged)', () => {
  const broken = definePlugin({
    type: 'broken',
    description: 'claims throws',
    params: Type.Object({ path: Type.String() }),
    outputs: Type.Object({}),
    capabilities: ['fs.write'],
    effect: 'side-effect',
    claims: () => {
      throw new TypeError('cannot read properties of undefined');
    },
    run: async () => ({}),
  });
  const m = mission([step('w', [], { type: 'broken', parameters: { path: '/etc/passwd' } })]);
  const diagnostics = checkPolicy(m, registryOf(broken as unknown as DefinedPlugin), OPEN_POLICY, { workDir: process.cwd() });
  assert.deepEqual(diagnostics.map((d) => [d.code, d.severity, d.pointer]), [['E_PLUGIN_INVALID', 'error', '/steps/0']]);
});
