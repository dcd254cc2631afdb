import { strict as assert } from 'node:assert';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Type } from '@sinclair/typebox';
import { validateMission } from '../../../core/src/loader/validate.ts';
import { definePlugin, type DefinedPlugin, type ResourceClaim, type StepTypeLookup } from '../../../core/src/plugin/sdk.ts';

/** claims() calls per step type. */
const calls = new Map<string, number>();

function plugin(type: string, claims: (p: Record<string, unknown>) => ResourceClaim[]): DefinedPlugin {
  calls.set(type, 0);
  return definePlugin({
    type,
    description: type,
    params: Type.Object({ child: Type.Optional(Type.String()) }, { additionalProperties: true }),
    outputs: Type.Object({}),
    capabilities: [],
    effect: 'pure',
    claims: (p: Record<string, unknown>) => {
      calls.set(type, calls.get(type)! + 1);
      return claims(p);
    },
    async run() {
      return {};
    },
  }) as unknown as DefinedPlugin;
}

const ghost = (): ResourceClaim[] => [{ kind: 'step', type: 'ghost', params: {}, pointer: '' }];
const plugins = new Map<string, { definition: DefinedPlugin }>([
  // Names a child step of an unknown type even for empty parameters.
  ['spawner', { definition: plugin('spawner', ghost) }],
  // Names one only when asked to.
  ['quiet', { definition: plugin('quiet', (p) => (typeof p['child'] === 'string' ? [{ kind: 'step', type: p['child'], params: {}, pointer: '/child' }] : [])) }],
]);
const registry: StepTypeLookup = { get: (t) => plugins.get(t), has: (t) => plugins.has(t), types: () => [...plugins.keys()].sort() };

test('child-step checks of empty-params steps: each step still gets its own diagnostics, and a type with no claims for {} is explored once', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'rustchain-submissions-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'm.yaml');
  await writeFile(file, [
    'version: "1.0"',
    'name: m',
    'steps:',
    '  - id: a', '    step_type: spawner',
    '  - id: b', '    step_type: spawner',
    '  - id: c', '    step_type: quiet',
    '  - id: d', '    step_type: quiet',
    '    parameters: {}',
    '  - id: e', '    step_type: quiet',
    '    parameters:', '      child: ghost',
    '  - id: f', '    step_type: quiet',
    '',
  ].join('\n'));
  const first = await validateMission(file, { registry, workDir: dir });
  const unknown = first.diagnostics.filter((d) => d.code === 'E_STEP_TYPE_UNKNOWN').map((d) => d.pointer);
  assert.deepEqual(unknown, ['/steps/0/parameters', '/steps/1/parameters', '/steps/4/parameters/child']);
  assert.equal(first.ok, false);
  const quietCalls = calls.get('quiet')!;
  const second = await validateMission(file, { registry, workDir: dir });
  assert.deepEqual(second.diagnostics, first.diagnostics);
  // Once warm, quiet's claims run only for its one non-empty step (this registry has no `load`: no loading walk).
  assert.equal(calls.get('quiet')! - quietCalls, 1);
});
