import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { definePlugin, Type } from '../../../core/src/plugin/index.ts';
import { validateMissionText } from '../../../core/src/loader/validate.ts';
import type { StepTypeLookup, DefinedPlugin } from '../../../core/src/plugin/sdk.ts';
import type { MissionStep } from '../../../core/src/model/mission.ts';

/** The original's `{<id>_response}` / `{<id>}` / `{previous_result}` variables become explicit templates at load time. */

const stub = (type: string, outputs: Record<string, ReturnType<typeof Type.String>>): DefinedPlugin =>
  definePlugin({ type, description: type, params: Type.Object({}, { additionalProperties: true }), outputs: Type.Object(outputs), capabilities: [], effect: 'pure', run: async () => ({}) as never });
const plugins = new Map<string, { definition: DefinedPlugin }>([
  ['llm', { definition: stub('llm', { text: Type.String(), response: Type.String() }) }],
  ['agent', { definition: stub('agent', { response: Type.String() }) }],
  ['chain', { definition: stub('chain', { result: Type.String() }) }],
  ['rag_query', { definition: stub('rag_query', { context: Type.String() }) }],
  ['create_file', { definition: stub('create_file', { path: Type.String() }) }],
]);
const registry: StepTypeLookup = { get: (t) => plugins.get(t), has: (t) => plugins.has(t), types: () => [...plugins.keys()].sort() };

function load(yaml: string): MissionStep[] {
  const result = validateMissionText(yaml, 'm.yaml', { registry });
  assert.ok(result.ok, JSON.stringify(result.diagnostics));
  return result.mission!.steps;
}

const byId = (steps: MissionStep[], id: string): MissionStep => steps.find((s) => s.id === id)!;

test('{<id>_response}, {<id>}, {<id>_result}, {<id>_context} in create_file content become templates with the dependency made explicit', () => {
  const steps = load(`
name: vars
steps:
  - { id: ask, step_type: llm, parameters: { prompt: p } }
  - { id: plan, step_type: chain, parameters: {} }
  - { id: look, step_type: rag_query, parameters: {} }
  - id: save
    step_type: create_file
    parameters:
      path: out.txt
      content: "A={ask_response} B={ask} C={plan_result} D={plan} E={look_context} F={unknown} G={{ask}} H=\${{ vars.x }}"
vars: { x: 1 }
`);
  const save = byId(steps, 'save');
  assert.equal(save.parameters['content'],
    'A=${{ steps.ask.outputs.response }} B=${{ steps.ask.outputs.response }} C=${{ steps.plan.outputs.result }} D=${{ steps.plan.outputs.result }} E=${{ steps.look.outputs.context }} F={unknown} G={{ask}} H=${{ vars.x }}');
  assert.deepEqual(save.dependsOn, ['ask', 'plan', 'look']);
  assert.equal(save.hasTemplates, true);
});

test('{previous_result}: the alphabetically first *_response, else the first *_result; an existing dependency is not repeated', () => {
  const withResponses = load(`
name: prev
steps:
  - { id: zeta, step_type: llm, parameters: { prompt: p } }
  - { id: alpha, step_type: agent, parameters: {} }
  - { id: chained, step_type: chain, parameters: {} }
  - { id: save, step_type: create_file, depends_on: [zeta], parameters: { path: o, content: "{previous_result}" } }
`);
  assert.equal(byId(withResponses, 'save').parameters['content'], '${{ steps.alpha.outputs.response }}');
  assert.deepEqual(byId(withResponses, 'save').dependsOn, ['zeta', 'alpha']);
  const onlyResults = load(`
name: prev
steps:
  - { id: b, step_type: chain, parameters: {} }
  - { id: a, step_type: chain, parameters: {} }
  - { id: save, step_type: create_file, parameters: { path: o, content: "{previous_result}" } }
`);
  assert.equal(byId(onlyResults, 'save').parameters['content'], '${{ steps.a.outputs.result }}');
});

test('a reference that would make a cycle, other step types and other parameters are left as they are', () => {
  const steps = load(`
name: cycle
steps:
  - { id: save, step_type: create_file, parameters: { path: "{ask}.txt", content: "{ask_response}" } }
  - { id: ask, step_type: llm, depends_on: [save], parameters: { prompt: "{ask_response}" } }
`);
  assert.equal(byId(steps, 'save').parameters['content'], '{ask_response}');
  assert.equal(byId(steps, 'save').parameters['path'], '{ask}.txt');
  assert.equal(byId(steps, 'ask').parameters['prompt'], '{ask_response}');
  assert.deepEqual(byId(steps, 'save').dependsOn, []);
});

test('corpus: simple_demo.yaml\'s Python f-string `{ai_response}` names no step and stays as written', () => {
  const file = fileURLToPath(new URL('../../../../shared/corpus/rustchain-missions/simple_demo.yaml', import.meta.url));
  const text = readFileSync(file, 'utf8');
  const steps = load(text);
  const content = steps.map((s) => s.parameters['content']).find((c) => typeof c === 'string' && c.includes('{ai_response}'));
  assert.ok(content, 'the f-string is still there');
  assert.ok(!String(content).includes('${{'));
});
