import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import llm from '@rustchain/plugin-llm';
import createFile from '@rustchain/plugin-create-file';
import { runStep } from '@rustchain/testing';
import { startFakeLlm, type FakeLlmServer } from '@rustchain/testing/fake-llm';
import { runMissionText } from './llm-mission.ts';

/** The `llm` step type through the real engine, against the fake provider servers. */

async function fakeFor(t: { after(fn: () => Promise<void>): void }): Promise<FakeLlmServer> {
  const fake = await startFakeLlm();
  t.after(() => fake.close());
  return fake;
}

const netOf = (fake: FakeLlmServer) => ({ net: { allow: [new URL(fake.url).host] } });

test('llm: the original\'s params (prompt, model, temperature, max_tokens) give text, response, usage, finish_reason', async (t) => {
  const fake = await fakeFor(t);
  fake.enqueue({ text: '4', usage: { input_tokens: 9, output_tokens: 1 } });
  const run = await runStep(llm, { prompt: 'What is 2+2?', base_url: fake.openaiBaseUrl, model: 'gpt-x', temperature: 0.1, max_tokens: 50 }, { policy: netOf(fake) });
  assert.equal(run.status, 'succeeded', JSON.stringify(run.error));
  assert.deepEqual(run.outputs, { text: '4', response: '4', model: 'gpt-x', provider: 'openai', finish_reason: 'stop', usage: { input_tokens: 9, output_tokens: 1 } });
  assert.deepEqual(fake.requests[0]?.body?.['messages'], [{ role: 'user', content: 'What is 2+2?' }]);
  assert.equal(fake.requests[0]?.body?.['temperature'], 0.1);
});

test('llm: anthropic with system, messages and streaming', async (t) => {
  const fake = await fakeFor(t);
  fake.enqueue({ text: 'streamed reply here' });
  const params = { provider: 'anthropic', base_url: fake.anthropicBaseUrl, model: 'claude-x', system: 'terse', messages: [{ role: 'user', content: 'a' }, { role: 'assistant', content: 'b' }], prompt: 'c', stream: true };
  const run = await runStep(llm, params, { policy: netOf(fake) });
  assert.equal(run.status, 'succeeded', JSON.stringify(run.error));
  assert.equal(run.outputs['text'], 'streamed reply here');
  const body = fake.requests[0]?.body ?? {};
  assert.deepEqual([body['system'], body['stream'], (body['messages'] as unknown[]).length], ['terse', true, 3]);
});

test('llm: a base_url the policy does not allow is refused before the run (E_POLICY_HOST_DENIED at /base_url), zero requests', async (t) => {
  const fake = await fakeFor(t);
  const run = await runStep(llm, { prompt: 'x', base_url: fake.openaiBaseUrl }, { policy: { net: { allow: ['example.com'] } } });
  assert.equal(run.status, 'refused');
  assert.ok(run.diagnostics.some((d) => d.code === 'E_POLICY_HOST_DENIED' && d.pointer?.endsWith('/base_url')), JSON.stringify(run.diagnostics));
  assert.equal(fake.requests.length, 0);
});

test('llm: provider openai without base_url claims OPENAI_API_KEY (refused statically when env is not allowed)', async () => {
  const run = await runStep(llm, { prompt: 'x', provider: 'openai' });
  assert.equal(run.status, 'refused');
  assert.ok(run.diagnostics.some((d) => d.code === 'E_POLICY_ENV_DENIED'), JSON.stringify(run.diagnostics));
});

test('llm: no prompt and no messages → E_PARAMS_INVALID', async (t) => {
  const fake = await fakeFor(t);
  const run = await runStep(llm, { base_url: fake.openaiBaseUrl }, { policy: netOf(fake) });
  assert.equal(run.error?.code, 'E_PARAMS_INVALID');
  assert.equal(fake.requests.length, 0);
});

const schema = { type: 'object', properties: { answer: { type: 'integer' } }, required: ['answer'], additionalProperties: false };

test('llm response_schema: a valid reply (even fenced) is parsed into json in one call', async (t) => {
  const fake = await fakeFor(t);
  fake.enqueue({ text: '```json\n{"answer": 4}\n```' });
  const run = await runStep(llm, { prompt: '2+2?', base_url: fake.openaiBaseUrl, response_schema: schema }, { policy: netOf(fake) });
  assert.equal(run.status, 'succeeded', JSON.stringify(run.error));
  assert.deepEqual(run.outputs['json'], { answer: 4 });
  assert.equal(fake.requests.length, 1);
  const system = (fake.requests[0]?.body?.['messages'] as Array<{ role: string; content: string }>)[0];
  assert.equal(system?.role, 'system');
  assert.ok(system?.content.includes('"required":["answer"]'), 'the schema is stated in the system prompt');
});

test('llm response_schema: an invalid reply gets one repair turn quoting the errors; usage adds up', async (t) => {
  const fake = await fakeFor(t);
  fake.enqueue({ text: '{"answer": "four"}', usage: { input_tokens: 10, output_tokens: 5 } }, { text: '{"answer": 4}', usage: { input_tokens: 20, output_tokens: 5 } });
  const run = await runStep(llm, { prompt: '2+2?', base_url: fake.openaiBaseUrl, response_schema: schema }, { policy: netOf(fake) });
  assert.equal(run.status, 'succeeded', JSON.stringify(run.error));
  assert.deepEqual(run.outputs['json'], { answer: 4 });
  assert.deepEqual(run.outputs['usage'], { input_tokens: 30, output_tokens: 10 });
  assert.equal(fake.requests.length, 2);
  const repair = (fake.requests[1]?.body?.['messages'] as Array<{ role: string; content: string }>).at(-1);
  assert.equal(repair?.role, 'user');
  assert.ok(repair?.content.includes('/answer'), repair?.content);
});

test('llm response_schema: still invalid after the repair → E_LLM_SCHEMA_MISMATCH with the errors', async (t) => {
  const fake = await fakeFor(t);
  fake.enqueue({ text: 'four' }, { text: '{"answer": "four"}' });
  const run = await runStep(llm, { prompt: '2+2?', base_url: fake.openaiBaseUrl, response_schema: schema }, { policy: netOf(fake) });
  assert.equal(run.error?.code, 'E_LLM_SCHEMA_MISMATCH');
  assert.ok(Array.isArray(run.error?.details?.['errors']));
  assert.equal(fake.requests.length, 2);
});

test('llm: a provider error fails the step with its code (E_LLM_AUTH for 401)', async (t) => {
  const fake = await fakeFor(t);
  fake.enqueue({ error: { status: 401, message: 'Incorrect API key provided' } });
  const run = await runStep(llm, { prompt: 'x', base_url: fake.openaiBaseUrl }, { policy: netOf(fake) });
  assert.equal(run.error?.code, 'E_LLM_AUTH');
  assert.equal(run.error?.details?.['status'], 401);
});

test('llm: settings.llm prices give `cost`', async (t) => {
  const fake = await fakeFor(t);
  fake.enqueue({ text: 'ok', usage: { input_tokens: 2_000, output_tokens: 1_000 } });
  const yaml = `name: cost\nsteps:\n  - id: ask\n    step_type: llm\n    parameters: { prompt: hi, model: priced, base_url: "${fake.openaiBaseUrl}" }\n`;
  const { result } = await runMissionText(t, yaml, [llm], { policy: netOf(fake), settings: { llm: { prices: { priced: { input: 1, output: 10 } } } } });
  assert.equal(result?.steps[0]?.status, 'succeeded', JSON.stringify(result?.steps[0]?.error));
  assert.equal(result?.steps[0]?.outputs['cost'], 0.012);
});

test('config.llm_budget: the call that would pass it is not made (zero requests), the step fails E_LLM_BUDGET_EXCEEDED and fail_fast stops the mission', async (t) => {
  const fake = await fakeFor(t);
  const yaml = [
    'name: budget',
    'config: { fail_fast: true, llm_budget: { max_output_tokens: 100 } }',
    'steps:',
    `  - { id: first, step_type: llm, parameters: { prompt: hi, max_tokens: 60, base_url: "${fake.openaiBaseUrl}" } }`,
    `  - { id: second, step_type: llm, depends_on: [first], parameters: { prompt: again, max_tokens: 60, base_url: "${fake.openaiBaseUrl}" } }`,
    '  - { id: after, step_type: create_file, depends_on: [second], parameters: { path: out.txt, content: x } }',
  ].join('\n');
  fake.enqueue({ text: 'one', usage: { input_tokens: 3, output_tokens: 50 } });
  const { result, dir } = await runMissionText(t, yaml, [llm, createFile], { policy: netOf(fake) });
  assert.deepEqual(result?.steps.map((s) => [s.id, s.status, s.error?.code ?? null]), [
    ['first', 'succeeded', null],
    ['second', 'failed', 'E_LLM_BUDGET_EXCEEDED'],
    ['after', 'skipped', 'E_UPSTREAM_FAILED'],
  ]);
  assert.equal(result?.status, 'failed');
  assert.equal(fake.requests.length, 1, 'the refused call never reached the server');
  assert.equal(result?.steps[1]?.attempts, 1, 'not retried');
  await assert.rejects(readFile(join(dir, 'out.txt')));
});

test('config.llm_budget with max_cost: a model without a price is refused before any request', async (t) => {
  const fake = await fakeFor(t);
  const yaml = `name: b\nconfig: { llm_budget: { max_cost: 1 } }\nsteps:\n  - { id: ask, step_type: llm, parameters: { prompt: hi, model: unpriced, base_url: "${fake.openaiBaseUrl}" } }\n`;
  const { result } = await runMissionText(t, yaml, [llm], { policy: netOf(fake) });
  assert.equal(result?.steps[0]?.error?.code, 'E_LLM_BUDGET_EXCEEDED');
  assert.equal(fake.requests.length, 0);
});

test('config.llm_budget: a wrong shape is a validation error at its line', async (t) => {
  const { result, diagnostics } = await runMissionText(t, 'name: b\nconfig:\n  llm_budget: { max_tokens: 5 }\nsteps:\n  - { id: a, step_type: llm, parameters: { prompt: x } }\n', [llm]);
  assert.equal(result, null);
  assert.ok(diagnostics.some((d) => d.severity === 'error' && d.line === 3), JSON.stringify(diagnostics));
});

test('stream: the reply so far arrives as step.progress events (growing text), before the step succeeds', async (t) => {
  const fake = await fakeFor(t);
  fake.enqueue({ text: 'alpha beta gamma delta' });
  const yaml = `name: s\nsteps:\n  - { id: ask, step_type: llm, parameters: { prompt: hi, stream: true, base_url: "${fake.openaiBaseUrl}" } }\n`;
  const { result, events } = await runMissionText(t, yaml, [llm], { policy: netOf(fake) });
  assert.equal(result?.status, 'succeeded');
  const progress = events.flatMap((e) => (e.type === 'step.progress' ? [e.text] : []));
  assert.ok(progress.length >= 4, JSON.stringify(progress));
  assert.equal(progress.at(-1), 'alpha beta gamma delta');
  assert.ok(progress.every((text, i) => i === 0 || text.startsWith(progress[i - 1]!)), 'each line extends the previous');
  const done = events.findIndex((e) => e.type === 'step.succeeded');
  assert.ok(events.findLastIndex((e) => e.type === 'step.progress') < done);
});

test('config.llm_budget with parallel steps: calls in flight hold their reservation, so exactly one of two that do not both fit is made', async (t) => {
  const fake = await fakeFor(t);
  const yaml = [
    'name: parallel',
    'config: { fail_fast: false, llm_budget: { max_output_tokens: 100 } }',
    'steps:',
    `  - { id: a, step_type: llm, parameters: { prompt: one, max_tokens: 60, base_url: "${fake.openaiBaseUrl}" } }`,
    `  - { id: b, step_type: llm, parameters: { prompt: two, max_tokens: 60, base_url: "${fake.openaiBaseUrl}" } }`,
  ].join('\n');
  const { result } = await runMissionText(t, yaml, [llm], { policy: netOf(fake) });
  const outcomes = (result?.steps ?? []).map((s) => s.error?.code ?? s.status).sort();
  assert.deepEqual(outcomes, ['E_LLM_BUDGET_EXCEEDED', 'succeeded']);
  assert.equal(fake.requests.length, 1);
});
