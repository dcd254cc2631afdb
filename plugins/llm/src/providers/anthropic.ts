import type Anthropic from '@anthropic-ai/sdk';
import type { ContentBlockParam, MessageParam, RawMessageStreamEvent, Tool, ToolChoice } from '@anthropic-ai/sdk/resources/messages/messages';
import type { RawChat } from './openai.ts';
import type { Endpoint } from './resolve.ts';
import { parseArguments } from './tool-calls.ts';
import type { SdkFetch } from './transport.ts';
import type { ChatMessage, ChatRequest, FinishReason, ToolCall } from './types.ts';

/**
 * Anthropic Messages through the official `@anthropic-ai/sdk`. The key, base URL and log
 * level are passed explicitly (the SDK would read process.env, or credential files, itself).
 * System prompts go in `system`; tool calls are `tool_use` blocks and their results
 * `tool_result` blocks in the next user turn; consecutive turns of one role are merged.
 */

/** A client bound to one endpoint and transport (the SDK is imported on first use, not with the plugin). */
export async function anthropicClient(endpoint: Endpoint, fetch: SdkFetch): Promise<Anthropic> {
  const { default: Anthropic } = await import('@anthropic-ai/sdk');
  // A placeholder key when there is none: without one the SDK looks for credential files; the transport drops it.
  return new Anthropic({ apiKey: endpoint.apiKey ?? 'none', baseURL: endpoint.baseUrl, webhookKey: null, maxRetries: 0, timeout: endpoint.timeoutMs + 5_000, fetch, logLevel: 'off' });
}

/** Default `max_tokens` (required by the Messages API). */
export const ANTHROPIC_DEFAULT_MAX_TOKENS = 1024;

const FINISH: Readonly<Record<string, FinishReason>> = { end_turn: 'stop', stop_sequence: 'stop', max_tokens: 'length', tool_use: 'tool_calls', refusal: 'content_filter' };

function finish(raw: string | null | undefined): FinishReason {
  return raw == null ? 'other' : (FINISH[raw] ?? 'other');
}

/** Our messages in Anthropic's shape; `system` messages join the system prompt. */
function toAnthropicMessages(system: string | undefined, messages: readonly ChatMessage[]): { system: string | undefined; messages: MessageParam[] } {
  const systems = system === undefined ? [] : [system];
  const out: Array<{ role: 'user' | 'assistant'; content: ContentBlockParam[] }> = [];
  const push = (role: 'user' | 'assistant', blocks: ContentBlockParam[]): void => {
    const last = out[out.length - 1];
    if (last !== undefined && last.role === role) last.content.push(...blocks);
    else out.push({ role, content: blocks });
  };
  for (const m of messages) {
    if (m.role === 'system') systems.push(m.content);
    else if (m.role === 'user') push('user', [{ type: 'text', text: m.content }]);
    else if (m.role === 'tool') push('user', [{ type: 'tool_result', tool_use_id: m.tool_call_id, content: m.content, ...(m.is_error === true ? { is_error: true } : {}) }]);
    else {
      const blocks: ContentBlockParam[] = m.content === '' ? [] : [{ type: 'text', text: m.content }];
      for (const c of m.tool_calls ?? []) blocks.push({ type: 'tool_use', id: c.id, name: c.name, input: c.arguments ?? {} });
      push('assistant', blocks);
    }
  }
  return { system: systems.length === 0 ? undefined : systems.join('\n\n'), messages: out as MessageParam[] };
}

function toolChoice(choice: ChatRequest['tool_choice']): ToolChoice | undefined {
  if (choice === undefined) return undefined;
  if (typeof choice !== 'string') return { type: 'tool', name: choice.name };
  return choice === 'required' ? { type: 'any' } : { type: choice };
}

/** One Messages call (streamed when asked). */
export async function anthropicChat(client: Anthropic, endpoint: Endpoint, request: ChatRequest, signal: AbortSignal): Promise<RawChat> {
  const { system, messages } = toAnthropicMessages(request.system, request.messages);
  const tools: Tool[] | undefined = request.tools?.map((t) => ({
    name: t.name, ...(t.description === undefined ? {} : { description: t.description }), input_schema: { type: 'object', ...t.parameters } as Tool['input_schema'],
  }));
  const choice = toolChoice(request.tool_choice);
  const body = {
    model: endpoint.model,
    max_tokens: request.max_tokens ?? ANTHROPIC_DEFAULT_MAX_TOKENS,
    messages,
    ...(system === undefined ? {} : { system }),
    ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
    ...(tools === undefined || tools.length === 0 ? {} : { tools }),
    ...(choice === undefined || tools === undefined ? {} : { tool_choice: choice }),
  };
  if (request.stream !== true) {
    const res = await client.messages.create({ ...body, stream: false }, { signal });
    let text = '';
    const calls: ToolCall[] = [];
    for (const block of res.content) {
      if (block.type === 'text') text += block.text;
      else if (block.type === 'tool_use') calls.push(parseArguments(block.id, block.name, JSON.stringify(block.input)));
    }
    return {
      model: res.model, text, tool_calls: calls, finish_reason: finish(res.stop_reason), raw_finish_reason: res.stop_reason ?? null,
      usage: { input_tokens: res.usage.input_tokens ?? 0, output_tokens: res.usage.output_tokens },
    };
  }
  const stream = await client.messages.create({ ...body, stream: true }, { signal });
  return collectStream(stream, endpoint.model, request.on_text);
}

async function collectStream(stream: AsyncIterable<RawMessageStreamEvent>, model: string, onText: ((t: string) => void) | undefined): Promise<RawChat> {
  let text = '';
  let raw: string | null = null;
  let seenModel = model;
  const usage = { input_tokens: 0, output_tokens: 0 };
  const calls = new Map<number, { id: string; name: string; json: string }>();
  for await (const event of stream) {
    switch (event.type) {
      case 'message_start':
        seenModel = event.message.model;
        usage.input_tokens = event.message.usage.input_tokens ?? 0;
        usage.output_tokens = event.message.usage.output_tokens;
        break;
      case 'content_block_start':
        if (event.content_block.type === 'tool_use') calls.set(event.index, { id: event.content_block.id, name: event.content_block.name, json: '' });
        break;
      case 'content_block_delta':
        if (event.delta.type === 'text_delta') {
          text += event.delta.text;
          onText?.(event.delta.text);
        } else if (event.delta.type === 'input_json_delta') {
          const call = calls.get(event.index);
          if (call !== undefined) call.json += event.delta.partial_json;
        }
        break;
      case 'message_delta':
        if (event.delta.stop_reason) raw = event.delta.stop_reason;
        usage.output_tokens = event.usage.output_tokens;
        if (typeof event.usage.input_tokens === 'number') usage.input_tokens = event.usage.input_tokens;
        break;
      default:
        break;
    }
  }
  const toolCalls = [...calls.entries()].sort(([a], [b]) => a - b).map(([, c]) => parseArguments(c.id, c.name, c.json));
  return { model: seenModel, text, tool_calls: toolCalls, finish_reason: finish(raw), raw_finish_reason: raw, usage };
}
