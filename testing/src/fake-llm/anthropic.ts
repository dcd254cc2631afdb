import type { Rendered } from './openai.ts';
import type { FakeErrorReply, FakeMessageReply } from './types.ts';

/**
 * The Anthropic Messages wire format (https://docs.anthropic.com/en/api/messages): a `message`
 * object with `text` and `tool_use` content blocks, or with `stream: true` the named SSE
 * events message_start, content_block_start/delta/stop (text_delta, input_json_delta), ping,
 * message_delta (stop_reason, output usage) and message_stop.
 */

const STOP_REASONS: Record<string, string> = { stop: 'end_turn', length: 'max_tokens', tool_calls: 'tool_use', content_filter: 'refusal' };

type Block = { type: 'text'; text: string } | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> };

function blocks(reply: FakeMessageReply, seq: number): Block[] {
  const out: Block[] = [];
  if ((reply.text ?? '') !== '' || (reply.tool_calls ?? []).length === 0) out.push({ type: 'text', text: reply.text ?? '' });
  (reply.tool_calls ?? []).forEach((c, i) => out.push({ type: 'tool_use', id: c.id ?? `toolu_fake${seq}_${i}`, name: c.name, input: c.arguments }));
  return out;
}

function stopReason(reply: FakeMessageReply): string {
  const finish = reply.finish_reason ?? ((reply.tool_calls ?? []).length > 0 ? 'tool_calls' : 'stop');
  return STOP_REASONS[finish] ?? 'end_turn';
}

/** A non-streamed `message`. */
export function anthropicMessage(reply: FakeMessageReply, model: string, seq: number, usage: { input_tokens: number; output_tokens: number }): Rendered {
  const body = {
    id: `msg_fake${seq}`, type: 'message', role: 'assistant', model: reply.model ?? model, content: blocks(reply, seq),
    stop_reason: stopReason(reply), stop_sequence: null, usage: { input_tokens: usage.input_tokens, output_tokens: usage.output_tokens },
  };
  return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

/** A streamed message, event by event. */
export function anthropicStream(reply: FakeMessageReply, model: string, seq: number, usage: { input_tokens: number; output_tokens: number }): Rendered {
  const event = (name: string, data: Record<string, unknown>): string => `event: ${name}\ndata: ${JSON.stringify({ type: name, ...data })}\n\n`;
  const frames = [
    event('message_start', {
      message: {
        id: `msg_fake${seq}`, type: 'message', role: 'assistant', model: reply.model ?? model, content: [],
        stop_reason: null, stop_sequence: null, usage: { input_tokens: usage.input_tokens, output_tokens: 1 },
      },
    }),
  ];
  blocks(reply, seq).forEach((block, index) => {
    if (block.type === 'text') {
      frames.push(event('content_block_start', { index, content_block: { type: 'text', text: '' } }));
      if (index === 0) frames.push(event('ping', {}));
      for (const piece of block.text.match(/\S+\s*|\s+/g) ?? []) frames.push(event('content_block_delta', { index, delta: { type: 'text_delta', text: piece } }));
    } else {
      frames.push(event('content_block_start', { index, content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} } }));
      const json = JSON.stringify(block.input);
      for (let at = 0; at < json.length; at += 8) frames.push(event('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: json.slice(at, at + 8) } }));
    }
    frames.push(event('content_block_stop', { index }));
  });
  frames.push(event('message_delta', { delta: { stop_reason: stopReason(reply), stop_sequence: null }, usage: { output_tokens: usage.output_tokens } }));
  frames.push(event('message_stop', {}));
  return { status: 200, headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' }, body: frames };
}

const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error', 401: 'authentication_error', 403: 'permission_error', 404: 'not_found_error',
  413: 'request_too_large', 429: 'rate_limit_error', 500: 'api_error', 529: 'overloaded_error',
};

/** Anthropic's error shape: `{ type: "error", error: { type, message } }`. */
export function anthropicError(reply: FakeErrorReply): Rendered {
  const e = reply.error;
  const headers: Record<string, string> = { 'content-type': 'application/json', 'request-id': 'req_fake' };
  if (e.retry_after !== undefined) headers['retry-after'] = String(e.retry_after);
  const type = e.type ?? ERROR_TYPES[e.status] ?? (e.status >= 500 ? 'api_error' : 'invalid_request_error');
  return { status: e.status, headers, body: JSON.stringify({ type: 'error', error: { type, message: e.message } }) };
}
