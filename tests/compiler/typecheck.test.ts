import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileMission } from '@rustchain/compiler';
import { REPO_ROOT, mission, repoProject, step } from './helpers.ts';

// The in-process type-check alone (missions built by hand, bypassing the loader's own
// schema check): each TypeScript error lands on the source position of the pointer that caused it.
const CASES = [
  {
    name: 'append: "yes" on edit_file',
    steps: [step('e', 'edit_file', { parameters: { path: 'a.txt', append: 'yes' } })],
    pointer: '/steps/0/parameters/append',
    code: 'E_PARAMS_INVALID',
  },
  {
    name: 'missing required path on create_file',
    steps: [step('c', 'create_file', { parameters: { content: 'x' } })],
    pointer: '/steps/0/parameters',
    code: 'E_PARAMS_INVALID',
  },
  {
    name: 'number where a string is required, nested in an array',
    steps: [step('x', 'command', { parameters: { command: ['echo', 5] } })],
    pointer: '/steps/0/parameters/command/1',
    code: 'E_PARAMS_INVALID',
  },
  {
    name: 'unknown output in a whole-value template',
    steps: [step('a', 'read_file', { parameters: { path: 'a' } }), step('b', 'create_file', { dependsOn: ['a'], parameters: { path: 'b', content: '${{ steps.a.outputs.nope }}' } })],
    pointer: '/steps/1/parameters/content',
    code: 'E_TEMPLATE_UNKNOWN_OUTPUT',
  },
  {
    name: 'unknown output inside text',
    steps: [step('a', 'read_file', { parameters: { path: 'a' } }), step('b', 'create_file', { dependsOn: ['a'], parameters: { path: 'x ${{ steps.a.outputs.nope }} y' } })],
    pointer: '/steps/1/parameters/path',
    code: 'E_TEMPLATE_UNKNOWN_OUTPUT',
  },
  {
    name: 'number output where a string is required',
    steps: [step('a', 'read_file', { parameters: { path: 'a' } }), step('b', 'create_file', { dependsOn: ['a'], parameters: { path: '${{ steps.a.outputs.bytes }}' } })],
    pointer: '/steps/1/parameters/path',
    code: 'E_PARAMS_INVALID',
  },
  {
    name: 'unknown variable',
    steps: [step('a', 'create_file', { parameters: { path: '${{ vars.missing }}' } })],
    pointer: '/steps/0/parameters/path',
    code: 'E_TEMPLATE_UNKNOWN_VAR',
  },
] as const;

for (const c of CASES) {
  test(`type error is mapped to the YAML position: ${c.name} -> ${c.code} at ${c.pointer}`, async () => {
    const project = await repoProject();
    // Every pointer gets a distinct line, so the assertion proves which one was chosen.
    const pointers = [c.pointer, '/steps/0', '/steps/1', '/steps/0/parameters', '/steps/1/parameters'];
    const sourceMap = Object.fromEntries([...new Set(pointers)].map((p, i) => [p, { line: 10 + i, column: 3 + i }]));
    const m = mission([...c.steps].map((s) => ({ ...s, parameters: { ...s.parameters } })), sourceMap);
    const result = compileMission(m, project.registry, { outFile: `${REPO_ROOT}x.mission.ts`, resolveFrom: REPO_ROOT });
    assert.equal(result.diagnostics.length, 1, JSON.stringify(result.diagnostics));
    const [d] = result.diagnostics;
    assert.equal(d!.code, c.code);
    assert.equal(d!.file, 'mission.yaml');
    assert.deepEqual([d!.line, d!.column], [10, 3]);
  });
}

test('a valid mission compiles without diagnostics', async () => {
  const project = await repoProject();
  const m = mission([step('a', 'read_file', { parameters: { path: 'a' } }), step('b', 'edit_file', { dependsOn: ['a'], parameters: { path: 'b', content: '${{ steps.a.outputs.content }}', append: true } })]);
  const result = compileMission(m, project.registry, { outFile: `${REPO_ROOT}x.mission.ts`, resolveFrom: REPO_ROOT });
  assert.deepEqual(result.diagnostics, []);
});
