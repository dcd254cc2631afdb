import assert from 'node:assert/strict';
import { test } from 'node:test';
import modelInference from '@rustchain/plugin-model-inference';
import { runStep } from '@rustchain/testing';
import { startFakeLlm } from '@rustchain/testing/fake-llm';

/** `model_inference`: the original's single-prompt call, against the fake provider. */

test('model_inference: prompt and model; max_tokens defaults to the original\'s 100', async (t) => {
  const fake = await startFakeLlm();
  t.after(() => fake.close());
  fake.enqueue({ text: 'positive', usage: { input_tokens: 4, output_tokens: 1 } });
  const run = await runStep(modelInference, { prompt: 'Sentiment of "great"?', model: 'm1', base_url: fake.openaiBaseUrl }, { policy: { net: { allow: [new URL(fake.url).host] } } });
  assert.equal(run.status, 'succeeded', JSON.stringify(run.error));
  assert.deepEqual([run.outputs['text'], run.outputs['response'], run.outputs['model']], ['positive', 'positive', 'm1']);
  assert.equal(fake.requests[0]?.body?.['max_tokens'], 100);
  assert.deepEqual(fake.requests[0]?.body?.['messages'], [{ role: 'user', content: 'Sentiment of "great"?' }]);
});

test('model_inference: prompt is required (validation); a denied host is refused before any request', async (t) => {
  const fake = await startFakeLlm();
  t.after(() => fake.close());
  const missing = await runStep(modelInference, { model: 'm' });
  assert.equal(missing.status, 'refused');
  assert.ok(missing.diagnostics.some((d) => d.code === 'E_PARAMS_INVALID' && d.pointer?.endsWith('/prompt')), JSON.stringify(missing.diagnostics));
  const denied = await runStep(modelInference, { prompt: 'x', base_url: fake.openaiBaseUrl });
  assert.ok(denied.diagnostics.some((d) => d.code === 'E_POLICY_HOST_DENIED'));
  assert.equal(fake.requests.length, 0);
});

test('model_inference: anthropic with response_schema', async (t) => {
  const fake = await startFakeLlm();
  t.after(() => fake.close());
  fake.enqueue({ text: '{"label":"pos"}' });
  const schema = { type: 'object', properties: { label: { enum: ['pos', 'neg'] } }, required: ['label'] };
  const run = await runStep(modelInference, { prompt: 'x', provider: 'claude', base_url: fake.anthropicBaseUrl, response_schema: schema }, { policy: { net: { allow: [new URL(fake.url).host] } } });
  assert.deepEqual(run.outputs['json'], { label: 'pos' });
  assert.equal(fake.requests[0]?.api, 'anthropic.messages');
});
