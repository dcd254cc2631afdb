import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runStep } from '@rustchain/testing';
import { fakeEmbedding, startFakeLlm } from '@rustchain/testing/fake-llm';
import generateEmbedding from '@rustchain/plugin-generate-embedding';
import type { DefinedPlugin } from '../../core/src/plugin/sdk.ts';

/** generate_embedding through the real engine (runStep) against the fake OpenAI embeddings server. */

const plugin = generateEmbedding as unknown as DefinedPlugin;

async function fake(t: { after(fn: () => Promise<void>): void }, dimensions = 48) {
  const server = await startFakeLlm({ dimensions });
  t.after(() => server.close());
  return { server, host: new URL(server.url).host, policy: { net: { allow: [new URL(server.url).host] } } };
}

test('generate_embedding: the provider vector (float32), its dimension, model, usage; the original outputs text and model', async (t) => {
  const { server, policy } = await fake(t);
  const text = 'This is a test sentence for embedding generation.';
  const run = await runStep(plugin, { text, model: 'text-embedding-ada-002', base_url: server.openaiBaseUrl }, { policy });
  assert.equal(run.status, 'succeeded', JSON.stringify(run.error));
  assert.deepEqual(run.outputs['embedding'], Array.from(Float32Array.from(fakeEmbedding(text, 48))));
  assert.equal(run.outputs['dimension'], 48);
  assert.equal(run.outputs['model'], 'text-embedding-ada-002');
  assert.equal(run.outputs['provider'], 'openai');
  assert.equal(run.outputs['text'], text);
  assert.deepEqual(run.outputs['usage'], { input_tokens: Math.ceil(text.length / 4) });
  const [request] = server.requests;
  assert.equal(request?.api, 'openai.embeddings');
  assert.deepEqual([request?.body?.['model'], request?.body?.['input']], ['text-embedding-ada-002', [text]]);
});

test('generate_embedding: `dimensions` is sent to models that shorten', async (t) => {
  const { server, policy } = await fake(t);
  const run = await runStep(plugin, { text: 'short me', dimensions: 8, base_url: server.openaiBaseUrl }, { policy });
  assert.equal(run.status, 'succeeded', JSON.stringify(run.error));
  assert.equal(run.outputs['dimension'], 8);
  assert.equal(server.requests[0]?.body?.['dimensions'], 8);
});

test('generate_embedding: a host the policy does not allow is refused before any request', async (t) => {
  const { server } = await fake(t);
  const run = await runStep(plugin, { text: 'x', base_url: server.openaiBaseUrl }, { policy: { net: { allow: [] } } });
  assert.equal(run.status, 'refused');
  assert.deepEqual(run.diagnostics.map((d) => d.code), ['E_POLICY_HOST_DENIED']);
  assert.equal(server.requests.length, 0);
});

test('generate_embedding: provider errors and malformed replies fail with codes', async (t) => {
  const { server, policy } = await fake(t);
  const base = { text: 'x', base_url: server.openaiBaseUrl, max_retries: 0 };
  server.enqueue({ raw: { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ object: 'list', data: [{ object: 'embedding', index: 0, embedding: [] }], model: 'm', usage: { prompt_tokens: 1, total_tokens: 1 } }) } });
  const empty = await runStep(plugin, base, { policy });
  assert.equal(empty.error?.code, 'E_EMBEDDING_BAD_RESPONSE');
  server.enqueue({ error: { status: 400, message: 'bad model', type: 'invalid_request_error' } });
  const rejected = await runStep(plugin, base, { policy });
  assert.equal(rejected.status, 'failed');
  assert.match(rejected.error?.code ?? '', /^E_LLM_/);
  const anthropic = await runStep(plugin, { text: 'x', provider: 'anthropic', base_url: server.anthropicBaseUrl }, { policy });
  assert.equal(anthropic.error?.code, 'E_LLM_UNSUPPORTED');
  const missing = await runStep(plugin, { model: 'm' }, { policy });
  assert.equal(missing.status, 'refused');
  assert.deepEqual(missing.diagnostics.map((d) => [d.code, d.pointer]), [['E_PARAMS_INVALID', '/steps/0/parameters/text']]);
});
