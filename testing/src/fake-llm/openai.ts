import type { FakeErrorReply, FakeMessageReply } from './types.ts';

/**
 * The OpenAI Chat Completions wire format (https://platform.openai.com/docs/api-reference/chat):
 * a `chat.completion` object, or with `stream: true` a series of `chat.completion.chunk`
 * objects framed as `data: {...}\n\n` and closed by `data: [DONE]\n\n`; usage comes as a
 * last chunk with empty `choices` when `stream_options.include_usage` is set.
 */

/** One rendered HTTP answer. */
export interface Rendered {
  status: number;
  headers: Record<string, string>;
  /** A whole body, or SSE frames written one by one. */
  body: string | string[];
}

interface Resolved {
  id: string;
  model: string;
  text: string;
  toolCalls: Array<{ id: string; name: string; arguments: string }>;
  finish: string;
  usage: { input_tokens: number; output_tokens: number };
}

function resolve(reply: FakeMessageReply, model: string, seq: number, usage: Resolved['usage']): Resolved {
  const toolCalls = (reply.tool_calls ?? []).map((c, i) => ({ id: c.id ?? `call_${seq}_${i}`, name: c.name, arguments: JSON.stringify(c.arguments) }));
  const finish = reply.finish_reason ?? (toolCalls.length > 0 ? 'tool_calls' : 'stop');
  return { id: `chatcmpl-fake${seq}`, model: reply.model ?? model, text: reply.text ?? '', toolCalls, finish, usage };
}

const CREATED = 1_700_000_000;

/** A non-streamed `chat.completion`. */
export function openaiCompletion(reply: FakeMessageReply, model: string, seq: number, usage: Resolved['usage']): Rendered {
  const r = resolve(reply, model, seq, usage);
  const message: Record<string, unknown> = { role: 'assistant', content: r.toolCalls.length > 0 && r.text === '' ? null : r.text, refusal: null };
  if (r.toolCalls.length > 0) {
    message['tool_calls'] = r.toolCalls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } }));
  }
  const body = {
    id: r.id, object: 'chat.completion', created: CREATED, model: r.model, system_fingerprint: 'fp_fake',
    choices: [{ index: 0, message, logprobs: null, finish_reason: r.finish }],
    usage: { prompt_tokens: r.usage.input_tokens, completion_tokens: r.usage.output_tokens, total_tokens: r.usage.input_tokens + r.usage.output_tokens },
  };
  return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

/** A streamed completion: role chunk, content deltas (word by word), tool-call deltas, finish chunk, usage chunk, [DONE]. */
export function openaiStream(reply: FakeMessageReply, model: string, seq: number, usage: Resolved['usage'], includeUsage: boolean): Rendered {
  const r = resolve(reply, model, seq, usage);
  const chunk = (delta: Record<string, unknown>, finish: string | null): string =>
    `data: ${JSON.stringify({ id: r.id, object: 'chat.completion.chunk', created: CREATED, model: r.model, system_fingerprint: 'fp_fake', choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] })}\n\n`;
  const frames = [chunk({ role: 'assistant', content: '', refusal: null }, null)];
  for (const piece of r.text.match(/\S+\s*|\s+/g) ?? []) frames.push(chunk({ content: piece }, null));
  r.toolCalls.forEach((c, index) => {
    frames.push(chunk({ tool_calls: [{ index, id: c.id, type: 'function', function: { name: c.name, arguments: '' } }] }, null));
    // Arguments arrive in fragments, as the real API sends them.
    for (let at = 0; at < c.arguments.length; at += 8) frames.push(chunk({ tool_calls: [{ index, function: { arguments: c.arguments.slice(at, at + 8) } }] }, null));
  });
  frames.push(chunk({}, r.finish));
  if (includeUsage) {
    const u = { prompt_tokens: r.usage.input_tokens, completion_tokens: r.usage.output_tokens, total_tokens: r.usage.input_tokens + r.usage.output_tokens };
    frames.push(`data: ${JSON.stringify({ id: r.id, object: 'chat.completion.chunk', created: CREATED, model: r.model, system_fingerprint: 'fp_fake', choices: [], usage: u })}\n\n`);
  }
  frames.push('data: [DONE]\n\n');
  return { status: 200, headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' }, body: frames };
}

/** OpenAI's error shape: `{ error: { message, type, param, code } }`. */
export function openaiError(reply: FakeErrorReply): Rendered {
  const e = reply.error;
  const type = e.type ?? (e.status === 429 ? 'rate_limit_exceeded' : e.status === 401 ? 'invalid_api_key' : e.status >= 500 ? 'server_error' : 'invalid_request_error');
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (e.retry_after !== undefined) headers['retry-after'] = String(e.retry_after);
  return { status: e.status, headers, body: JSON.stringify({ error: { message: e.message, type, param: null, code: e.code ?? null } }) };
}
