import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { fakeEmbedding, startFakeLlm, type FakeLlmServer } from '@rustchain/testing/fake-llm';

/** The fake provider servers speak each API's wire format: these tests read the raw HTTP. */

async function started(t: { after(fn: () => Promise<void>): void }, options: Parameters<typeof startFakeLlm>[0] = {}): Promise<FakeLlmServer> {
  const fake = await startFakeLlm(options);
  t.after(() => fake.close());
  return fake;
}

async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
}

/** `data:` payloads of an SSE body, with their `event:` names. */
function sse(text: string): Array<{ event: string | null; data: string }> {
  return text.split('\n\n').filter((f) => f.trim() !== '').map((frame) => {
    const lines = frame.split('\n');
    const event = lines.find((l) => l.startsWith('event: '))?.slice(7) ?? null;
    const data = lines.filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
    return { event, data };
  });
}

test('openai chat: a chat.completion with usage, the default reply echoing the last user message', async (t) => {
  const fake = await started(t);
  const res = await post(`${fake.openaiBaseUrl}/chat/completions`, { model: 'm1', messages: [{ role: 'user', content: 'hi there' }] });
  assert.equal(res.status, 200);
  const body = (await res.json()) as { object: string; model: string; choices: Array<{ message: { content: string }; finish_reason: string }>; usage: { prompt_tokens: number } };
  assert.equal(body.object, 'chat.completion');
  assert.equal(body.model, 'm1');
  assert.equal(body.choices[0]?.message.content, 'echo: hi there');
  assert.equal(body.choices[0]?.finish_reason, 'stop');
  assert.ok(body.usage.prompt_tokens > 0);
  assert.equal(fake.requests.length, 1);
  assert.equal(fake.requests[0]?.api, 'openai.chat');
});

test('openai chat stream: chunks framed as data lines, tool-call argument fragments, a usage chunk, then [DONE]', async (t) => {
  const fake = await started(t);
  fake.enqueue({ text: 'one two', tool_calls: [{ id: 'call_1', name: 'create_file', arguments: { path: 'a.txt', content: 'hello world' } }] });
  const res = await post(`${fake.openaiBaseUrl}/chat/completions`, { model: 'm', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'x' }] });
  assert.equal(res.headers.get('content-type'), 'text/event-stream');
  const frames = sse(await res.text());
  assert.equal(frames.at(-1)?.data, '[DONE]');
  const chunks = frames.slice(0, -1).map((f) => JSON.parse(f.data) as { object: string; choices: Array<{ delta: { content?: string; tool_calls?: Array<{ function?: { arguments?: string } }> }; finish_reason: string | null }>; usage?: unknown });
  assert.ok(chunks.every((c) => c.object === 'chat.completion.chunk'));
  const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
  assert.equal(text, 'one two');
  const args = chunks.map((c) => c.choices[0]?.delta.tool_calls?.[0]?.function?.arguments ?? '').join('');
  assert.deepEqual(JSON.parse(args), { path: 'a.txt', content: 'hello world' });
  assert.ok(chunks.filter((c) => (c.choices[0]?.delta.tool_calls?.length ?? 0) > 0).length > 2, 'arguments arrive in fragments');
  assert.equal(chunks.find((c) => c.choices[0]?.finish_reason)?.choices[0]?.finish_reason, 'tool_calls');
  assert.equal(chunks.at(-1)?.choices.length, 0);
  assert.ok(chunks.at(-1)?.usage);
});

test('anthropic messages: JSON with text and tool_use blocks; SSE with the named events in order', async (t) => {
  const fake = await started(t);
  fake.enqueue({ text: 'ok', tool_calls: [{ name: 'lookup', arguments: { q: 1 } }] }, { text: 'a b c', usage: { input_tokens: 7, output_tokens: 3 } });
  const json = (await (await post(`${fake.anthropicBaseUrl}/v1/messages`, { model: 'claude', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] })).json()) as {
    type: string; content: Array<{ type: string; input?: unknown }>; stop_reason: string;
  };
  assert.equal(json.type, 'message');
  assert.deepEqual(json.content.map((b) => b.type), ['text', 'tool_use']);
  assert.deepEqual(json.content[1]?.input, { q: 1 });
  assert.equal(json.stop_reason, 'tool_use');
  const frames = sse(await (await post(`${fake.anthropicBaseUrl}/v1/messages`, { model: 'claude', max_tokens: 10, stream: true, messages: [{ role: 'user', content: 'x' }] })).text());
  const names = frames.map((f) => f.event);
  assert.equal(names[0], 'message_start');
  assert.equal(names.at(-2), 'message_delta');
  assert.equal(names.at(-1), 'message_stop');
  assert.ok(names.includes('content_block_start') && names.includes('content_block_stop') && names.includes('ping'));
  for (const f of frames) assert.equal((JSON.parse(f.data) as { type: string }).type, f.event, 'data.type repeats the event name');
  const text = frames.filter((f) => f.event === 'content_block_delta').map((f) => (JSON.parse(f.data) as { delta: { text: string } }).delta.text).join('');
  assert.equal(text, 'a b c');
  const delta = JSON.parse(frames.at(-2)?.data ?? '{}') as { usage: { output_tokens: number }; delta: { stop_reason: string } };
  assert.deepEqual([delta.delta.stop_reason, delta.usage.output_tokens], ['end_turn', 3]);
});

test('errors come in each provider\'s shape, 429 with retry-after', async (t) => {
  const fake = await started(t);
  fake.enqueue({ error: { status: 429, message: 'slow down', retry_after: 2 } }, { error: { status: 529, message: 'busy' } });
  const a = await post(`${fake.openaiBaseUrl}/chat/completions`, { model: 'm', messages: [] });
  assert.equal(a.status, 429);
  assert.equal(a.headers.get('retry-after'), '2');
  assert.deepEqual(((await a.json()) as { error: { type: string; message: string } }).error.message, 'slow down');
  const b = await post(`${fake.anthropicBaseUrl}/v1/messages`, { model: 'm', max_tokens: 1, messages: [] });
  assert.equal(b.status, 529);
  assert.deepEqual(await b.json(), { type: 'error', error: { type: 'overloaded_error', message: 'busy' } });
});

test('apiKey: a request without the key gets the provider\'s 401', async (t) => {
  const fake = await started(t, { apiKey: 'sk-right' });
  assert.equal((await post(`${fake.openaiBaseUrl}/chat/completions`, { messages: [] }, { authorization: 'Bearer sk-wrong' })).status, 401);
  assert.equal((await post(`${fake.openaiBaseUrl}/chat/completions`, { messages: [] }, { authorization: 'Bearer sk-right' })).status, 200);
  assert.equal((await post(`${fake.anthropicBaseUrl}/v1/messages`, { messages: [] }, { 'x-api-key': 'sk-right' })).status, 200);
});

test('embeddings: deterministic unit vectors (float and base64), word overlap raises cosine similarity', async (t) => {
  const fake = await started(t, { dimensions: 32 });
  const res = await post(`${fake.openaiBaseUrl}/embeddings`, { model: 'e', input: ['red apple pie', 'apple pie recipe', 'tax law'] });
  const body = (await res.json()) as { data: Array<{ index: number; embedding: number[] }>; usage: { prompt_tokens: number } };
  const [a, b, c] = body.data.map((d) => d.embedding) as [number[], number[], number[]];
  assert.equal(a.length, 32);
  const dot = (x: number[], y: number[]): number => x.reduce((s, v, i) => s + v * (y[i] ?? 0), 0);
  assert.ok(Math.abs(dot(a, a) - 1) < 1e-9);
  assert.ok(dot(a, b) > dot(a, c));
  assert.deepEqual(a, fakeEmbedding('red apple pie', 32));
  const b64 = (await (await post(`${fake.openaiBaseUrl}/embeddings`, { input: 'red apple pie', encoding_format: 'base64' })).json()) as { data: Array<{ embedding: string }> };
  const buf = Buffer.from(b64.data[0]?.embedding ?? '', 'base64');
  assert.equal(buf.length, 32 * 4);
  assert.ok(Math.abs(buf.readFloatLE(0) - (a[0] ?? 0)) < 1e-6);
});

test('a handler decides replies when the queue is empty; requests are recorded with headers and bodies', async (t) => {
  const fake = await started(t, { handler: (req) => ({ text: `n=${(req.body?.['messages'] as unknown[]).length}` }) });
  const res = (await (await post(`${fake.openaiBaseUrl}/chat/completions`, { model: 'm', messages: [{ role: 'user', content: 'a' }, { role: 'user', content: 'b' }] }, { 'x-trace': 't1' })).json()) as { choices: Array<{ message: { content: string } }> };
  assert.equal(res.choices[0]?.message.content, 'n=2');
  assert.equal(fake.requests[0]?.headers['x-trace'], 't1');
  assert.equal(fake.requests[0]?.body?.['model'], 'm');
});

test('property: a fake embedding is a unit vector of the asked dimension, the same for the same text', () => {
  fc.assert(fc.property(fc.string(), fc.integer({ min: 1, max: 300 }), (text, dimensions) => {
    const v = fakeEmbedding(text, dimensions);
    assert.equal(v.length, dimensions);
    assert.ok(Math.abs(Math.hypot(...v) - 1) < 1e-9);
    assert.deepEqual(fakeEmbedding(text, dimensions), v);
  }));
});
