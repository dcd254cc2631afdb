import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chat, embed, type ChatMessage } from '@rustchain/plugin-llm/providers';
import { startFakeLlm, type FakeLlmServer } from '@rustchain/testing/fake-llm';
import { createLlmBudget } from '../../core/src/budget/llm-budget.ts';
import { createStepContext } from '../../core/src/capabilities/context.ts';
import type { StepContext } from '../../core/src/plugin/sdk.ts';
import { policyFor, rejectsWith, tempDir } from '../core/capabilities/helpers.ts';

/** The provider module against the fake servers, through a real (policy-guarded) ctx. */

async function fakeFor(t: { after(fn: () => Promise<void>): void }): Promise<FakeLlmServer> {
  const fake = await startFakeLlm();
  t.after(() => fake.close());
  return fake;
}

interface CtxOptions {
  allow?: string[];
  env?: Record<string, string>;
  settings?: Record<string, unknown>;
  signal?: AbortSignal;
}

async function ctxFor(t: Parameters<typeof tempDir>[0], fake: FakeLlmServer, options: CtxOptions = {}): Promise<StepContext> {
  const dir = await tempDir(t);
  const env = options.env ?? {};
  return createStepContext({
    runId: 'r', stepId: 's', attempt: 1, signal: options.signal ?? new AbortController().signal, workDir: dir,
    policy: policyFor(dir, { net: { allow: options.allow ?? [new URL(fake.url).host] }, env: { allow: Object.keys(env) } }),
    env, settings: options.settings,
  });
}

const hello: ChatMessage[] = [{ role: 'user', content: 'hello' }];

for (const provider of ['openai', 'anthropic'] as const) {
  const base = (fake: FakeLlmServer): string => (provider === 'openai' ? fake.openaiBaseUrl : fake.anthropicBaseUrl);

  test(`${provider}: JSON chat, normalised text, usage and finish_reason; key sent, system prompt in the native place`, async (t) => {
    const fake = await fakeFor(t);
    fake.enqueue({ text: 'four', usage: { input_tokens: 11, output_tokens: 2 } });
    const keyVar = provider === 'openai' ? 'OPENAI_API_KEY' : 'ANTHROPIC_API_KEY';
    const ctx = await ctxFor(t, fake, { env: { [keyVar]: 'sk-test-123456' } });
    const res = await chat(ctx, { provider, base_url: base(fake), model: 'm-1', system: 'be brief', messages: hello, temperature: 0.1, max_tokens: 20 });
    assert.deepEqual([res.text, res.finish_reason, res.model, res.provider], ['four', 'stop', 'm-1', provider]);
    assert.deepEqual(res.usage, { input_tokens: 11, output_tokens: 2 });
    const sent = fake.requests[0];
    assert.equal(sent?.api, provider === 'openai' ? 'openai.chat' : 'anthropic.messages');
    const auth = sent?.headers['authorization'] ?? sent?.headers['x-api-key'] ?? '';
    assert.ok(auth.includes('sk-test-123456'));
    if (provider === 'openai') assert.deepEqual((sent?.body?.['messages'] as unknown[])[0], { role: 'system', content: 'be brief' });
    else assert.equal(sent?.body?.['system'], 'be brief');
    assert.equal(sent?.body?.['max_tokens'], 20);
  });

  test(`${provider}: streaming delivers text fragments live and the same normalised reply`, async (t) => {
    const fake = await fakeFor(t);
    fake.enqueue({ text: 'one two three', usage: { input_tokens: 5, output_tokens: 3 } });
    const ctx = await ctxFor(t, fake);
    const fragments: string[] = [];
    const res = await chat(ctx, { provider, base_url: base(fake), model: 'm', messages: hello, stream: true, on_text: (f) => fragments.push(f) });
    assert.equal(res.text, 'one two three');
    assert.ok(fragments.length >= 3);
    assert.equal(fragments.join(''), 'one two three');
    assert.deepEqual(res.usage, { input_tokens: 5, output_tokens: 3 });
    assert.equal(res.finish_reason, 'stop');
    assert.equal(fake.requests[0]?.body?.['stream'], true);
  });

  for (const stream of [false, true]) {
    test(`${provider}: tool calls${stream ? ' (streamed)' : ''} come back normalised, and results go back in the native format`, async (t) => {
      const fake = await fakeFor(t);
      fake.enqueue({ tool_calls: [{ id: 'call_A', name: 'create_file', arguments: { path: 'x.txt', content: 'hi' } }] }, { text: 'done' });
      const ctx = await ctxFor(t, fake);
      const tools = [{ name: 'create_file', description: 'write a file', parameters: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] } }];
      const first = await chat(ctx, { provider, base_url: base(fake), model: 'm', messages: hello, tools, stream });
      assert.equal(first.finish_reason, 'tool_calls');
      assert.deepEqual(first.tool_calls.map((c) => [c.id, c.name, c.arguments]), [['call_A', 'create_file', { path: 'x.txt', content: 'hi' }]]);
      const messages: ChatMessage[] = [...hello, first.message, { role: 'tool', tool_call_id: 'call_A', content: 'written' }];
      const second = await chat(ctx, { provider, base_url: base(fake), model: 'm', messages, tools, stream });
      assert.equal(second.text, 'done');
      const body = fake.requests[1]?.body as Record<string, unknown>;
      const sent = body['messages'] as Array<Record<string, unknown>>;
      if (provider === 'openai') {
        assert.deepEqual((body['tools'] as Array<{ type: string; function: { name: string } }>)[0]?.function.name, 'create_file');
        assert.deepEqual((sent[1]?.['tool_calls'] as Array<{ id: string; type: string }>)[0]?.id, 'call_A');
        assert.deepEqual(sent[2], { role: 'tool', tool_call_id: 'call_A', content: 'written' });
      } else {
        assert.ok((body['tools'] as Array<{ input_schema: unknown }>)[0]?.input_schema);
        assert.deepEqual((sent[1]?.['content'] as Array<Record<string, unknown>>).map((b) => b['type']), ['tool_use']);
        assert.deepEqual(sent[2], { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_A', content: 'written' }] });
      }
    });
  }

  for (const stream of [false, true]) {
    test(`${provider}: 429 with retry-after is retried${stream ? ' (streamed call)' : ''} (requests counted), then succeeds`, async (t) => {
      const fake = await fakeFor(t);
      fake.enqueue({ error: { status: 429, message: 'slow down', retry_after: 0 } }, { error: { status: 503, message: 'later', retry_after: 0 } }, { text: 'ok' });
      const ctx = await ctxFor(t, fake);
      const res = await chat(ctx, { provider, base_url: base(fake), model: 'm', messages: hello, stream });
      assert.equal(res.text, 'ok');
      assert.equal(fake.requests.length, 3);
    });
  }

  test(`${provider}: retries exhausted → E_LLM_RATE_LIMITED; 400 → E_LLM_API_ERROR with the provider's type, not retried`, async (t) => {
    const fake = await fakeFor(t);
    fake.enqueue(...Array.from({ length: 3 }, () => ({ error: { status: 429, message: 'slow', retry_after: 0 } })));
    const ctx = await ctxFor(t, fake);
    const limited = await rejectsWith(chat(ctx, { provider, base_url: base(fake), model: 'm', messages: hello, max_retries: 2 }), 'E_LLM_RATE_LIMITED');
    assert.equal(limited.details['status'], 429);
    assert.equal(fake.requests.length, 3);
    fake.enqueue({ error: { status: 400, message: 'bad', type: 'invalid_request_error' } });
    const bad = await rejectsWith(chat(ctx, { provider, base_url: base(fake), model: 'm', messages: hello }), 'E_LLM_API_ERROR');
    assert.equal(bad.details['type'], 'invalid_request_error');
    assert.equal(fake.requests.length, 4);
  });

  test(`${provider}: a host the policy does not allow → E_POLICY_HOST_DENIED, zero requests at the fake`, async (t) => {
    const fake = await fakeFor(t);
    const ctx = await ctxFor(t, fake, { allow: ['example.com'] });
    await rejectsWith(chat(ctx, { provider, base_url: base(fake), model: 'm', messages: hello }), 'E_POLICY_HOST_DENIED');
    assert.equal(fake.requests.length, 0);
  });

  test(`${provider}: cancelling the step aborts a call in flight (E_STEP_CANCELLED)`, async (t) => {
    const fake = await fakeFor(t);
    fake.enqueue({ stall: true });
    const controller = new AbortController();
    const ctx = await ctxFor(t, fake, { signal: controller.signal });
    const pending = chat(ctx, { provider, base_url: base(fake), model: 'm', messages: hello });
    while (fake.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
    controller.abort(new Error('stop'));
    await rejectsWith(pending, 'E_STEP_CANCELLED');
    assert.equal(fake.requests.length, 1);
  });

  test(`${provider}: cancelling during a retry-after wait ends the wait, no further request`, async (t) => {
    const fake = await fakeFor(t);
    fake.enqueue({ error: { status: 429, message: 'wait', retry_after: 50 } }, { text: 'never' });
    const controller = new AbortController();
    const ctx = await ctxFor(t, fake, { signal: controller.signal });
    const pending = chat(ctx, { provider, base_url: base(fake), model: 'm', messages: hello });
    while (fake.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 20));
    controller.abort(new Error('stop'));
    await rejectsWith(pending, 'E_STEP_CANCELLED');
    assert.equal(fake.requests.length, 1);
  });
}

test('the hosted OpenAI API without a key: E_LLM_NO_API_KEY; the key variable not allowed: E_POLICY_ENV_DENIED', async (t) => {
  const fake = await fakeFor(t);
  const allowed = await ctxFor(t, fake, { env: { OPENAI_API_KEY: '' } });
  await rejectsWith(chat(allowed, { provider: 'openai', messages: hello }), 'E_LLM_NO_API_KEY');
  const denied = await ctxFor(t, fake);
  await rejectsWith(chat(denied, { provider: 'openai', messages: hello }), 'E_POLICY_ENV_DENIED');
  assert.equal(fake.requests.length, 0);
});

test('settings.llm: a named provider with base_url, key variable and model; an unknown provider is coded', async (t) => {
  const fake = await fakeFor(t);
  const settings = { llm: { default_provider: 'local', providers: { local: { kind: 'anthropic', base_url: fake.anthropicBaseUrl, api_key_env: 'LOCAL_KEY', model: 'local-m' } }, prices: { 'local-m': { input: 1, output: 2 } } } };
  const ctx = await ctxFor(t, fake, { env: { LOCAL_KEY: 'local-key-1' }, settings });
  fake.enqueue({ text: 'hi', usage: { input_tokens: 1_000_000, output_tokens: 500_000 } });
  const res = await chat(ctx, { messages: hello });
  assert.deepEqual([res.provider, res.model, res.cost], ['local', 'local-m', 2]);
  assert.equal(fake.requests[0]?.api, 'anthropic.messages');
  await rejectsWith(chat(ctx, { provider: 'nope', messages: hello }), 'E_LLM_PROVIDER_UNKNOWN');
  const bad = await ctxFor(t, fake, { settings: { llm: { providers: { x: { kind: 'grpc' } } } } });
  await rejectsWith(chat(bad, { provider: 'x', messages: hello }), 'E_CONFIG_INVALID');
});

test('OPENAI_BASE_URL from ctx.env points the openai provider at a compatible server', async (t) => {
  const fake = await fakeFor(t);
  const ctx = await ctxFor(t, fake, { env: { OPENAI_BASE_URL: fake.openaiBaseUrl } });
  const res = await chat(ctx, { messages: hello });
  assert.equal(res.text, 'echo: hello');
  assert.equal(fake.requests[0]?.headers['authorization'], undefined, 'no key, no credential header');
});

test('embed: vectors in input order from the embeddings endpoint; anthropic is E_LLM_UNSUPPORTED', async (t) => {
  const fake = await fakeFor(t);
  const ctx = await ctxFor(t, fake);
  const res = await embed(ctx, { provider: 'openai', base_url: fake.openaiBaseUrl, model: 'e-1', input: ['a b', 'c d'] });
  assert.equal(res.embeddings.length, 2);
  assert.equal(res.embeddings[0]?.length, 64);
  assert.equal(res.model, 'e-1');
  assert.ok(res.usage.input_tokens > 0);
  assert.equal(fake.requests[0]?.body?.['encoding_format'], 'float');
  await rejectsWith(embed(ctx, { provider: 'anthropic', base_url: fake.anthropicBaseUrl, input: ['x'] }), 'E_LLM_UNSUPPORTED');
});

test('a key from a custom api_key_env joins the run\'s secrets (ctx.env.secret), whatever its name', async (t) => {
  const fake = await fakeFor(t);
  const dir = await tempDir(t);
  const learned: string[] = [];
  const ctx = createStepContext({
    runId: 'r', stepId: 's', attempt: 1, signal: new AbortController().signal, workDir: dir,
    policy: policyFor(dir, { net: { allow: [new URL(fake.url).host] }, env: { allow: ['MY_LLM_PASS'] } }),
    env: { MY_LLM_PASS: 'hunter2-long-value' },
    settings: { llm: { providers: { mine: { base_url: fake.openaiBaseUrl, api_key_env: 'MY_LLM_PASS', model: 'm' } } } },
    secrets: { add: (values: Iterable<string>) => learned.push(...values) },
  });
  await chat(ctx, { provider: 'mine', messages: hello });
  assert.deepEqual(learned, ['hunter2-long-value']);
  assert.equal(fake.requests[0]?.headers['authorization'], 'Bearer hunter2-long-value');
});

test('an answer that is not the protocol → E_LLM_BAD_RESPONSE', async (t) => {
  const fake = await fakeFor(t);
  fake.enqueue({ raw: { status: 200, headers: { 'content-type': 'application/json' }, body: '{"choices": oops' } });
  const ctx = await ctxFor(t, fake);
  await rejectsWith(chat(ctx, { provider: 'openai', base_url: fake.openaiBaseUrl, model: 'm', messages: hello }), 'E_LLM_BAD_RESPONSE');
});

test('ctx.budget: embeddings reserve their input tokens too; a refused call sends nothing', async (t) => {
  const fake = await fakeFor(t);
  const dir = await tempDir(t);
  const ctx = createStepContext({
    runId: 'r', stepId: 's', attempt: 1, signal: new AbortController().signal, workDir: dir,
    policy: policyFor(dir, { net: { allow: [new URL(fake.url).host] } }), env: {},
    budget: createLlmBudget({ maxInputTokens: 5 }),
  });
  await embed(ctx, { provider: 'openai', base_url: fake.openaiBaseUrl, model: 'e', input: ['tiny'] });
  await rejectsWith(embed(ctx, { provider: 'openai', base_url: fake.openaiBaseUrl, model: 'e', input: ['a much longer text than the budget allows'] }), 'E_LLM_BUDGET_EXCEEDED');
  assert.equal(fake.requests.length, 1);
  assert.ok((ctx.budget?.used().inputTokens ?? 0) > 0, 'the first call\'s usage was committed');
});

test('settings.llm.default_model is the default provider\'s: a step naming another provider gets that provider\'s default model', async (t) => {
  const fake = await fakeFor(t);
  const ctx = await ctxFor(t, fake, { settings: { llm: { default_model: 'gpt-custom' } } });
  const viaDefault = await chat(ctx, { base_url: fake.openaiBaseUrl, messages: hello });
  assert.equal(viaDefault.model, 'gpt-custom');
  const other = await chat(ctx, { provider: 'anthropic', base_url: fake.anthropicBaseUrl, messages: hello });
  assert.equal(other.model, 'claude-3-5-haiku-latest');
});
