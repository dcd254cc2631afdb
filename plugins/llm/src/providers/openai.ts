import type OpenAI from 'openai';
import type { ChatCompletionChunk, ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import type { Endpoint } from './resolve.ts';
import type { SdkFetch } from './transport.ts';
import { parseArguments } from './tool-calls.ts';
import type { ChatMessage, ChatRequest, ChatResponse, FinishReason, Usage } from './types.ts';

/**
 * OpenAI-compatible Chat Completions and Embeddings through the official `openai` SDK. Every
 * option the SDK would otherwise read from process.env (key, base URL, organisation, project,
 * log level) is passed explicitly, so only ctx.env (under the env policy) decides them.
 */

/** What a provider client returns before the common post-processing (provider, cost, message). */
export type RawChat = Pick<ChatResponse, 'model' | 'text' | 'tool_calls' | 'finish_reason' | 'raw_finish_reason' | 'usage'>;

/** A client bound to one endpoint and transport (the SDK is imported on first use, not with the plugin). */
export async function openaiClient(endpoint: Endpoint, fetch: SdkFetch): Promise<OpenAI> {
  const { default: OpenAI } = await import('openai');
  return new OpenAI({
    apiKey: endpoint.apiKey ?? 'none', baseURL: endpoint.baseUrl, organization: null, project: null, webhookSecret: null,
    maxRetries: 0, timeout: endpoint.timeoutMs + 5_000, fetch, logLevel: 'off',
  });
}

const FINISH: Readonly<Record<string, FinishReason>> = { stop: 'stop', length: 'length', tool_calls: 'tool_calls', function_call: 'tool_calls', content_filter: 'content_filter' };

function finish(raw: string | null | undefined): FinishReason {
  return raw == null ? 'other' : (FINISH[raw] ?? 'other');
}

/** Our messages in OpenAI's shape: assistant `tool_calls`, results as `tool` messages. */
function toOpenAiMessages(system: string | undefined, messages: readonly ChatMessage[]): ChatCompletionMessageParam[] {
  const out: ChatCompletionMessageParam[] = system === undefined ? [] : [{ role: 'system', content: system }];
  for (const m of messages) {
    if (m.role === 'assistant') {
      const calls = m.tool_calls ?? [];
      out.push({
        role: 'assistant',
        content: calls.length > 0 && m.content === '' ? null : m.content,
        ...(calls.length === 0 ? {} : { tool_calls: calls.map((c) => ({ id: c.id, type: 'function' as const, function: { name: c.name, arguments: c.arguments_text } })) }),
      });
    } else if (m.role === 'tool') {
      out.push({ role: 'tool', tool_call_id: m.tool_call_id, content: m.content });
    } else {
      out.push({ role: m.role, content: m.content });
    }
  }
  return out;
}

function toolChoice(choice: ChatRequest['tool_choice']): OpenAI.Chat.ChatCompletionToolChoiceOption | undefined {
  if (choice === undefined) return undefined;
  return typeof choice === 'string' ? choice : { type: 'function', function: { name: choice.name } };
}

/** One chat call (streamed when asked). */
export async function openaiChat(client: OpenAI, endpoint: Endpoint, request: ChatRequest, signal: AbortSignal): Promise<RawChat> {
  const tools: ChatCompletionTool[] | undefined = request.tools?.map((t) => ({
    type: 'function', function: { name: t.name, ...(t.description === undefined ? {} : { description: t.description }), parameters: t.parameters },
  }));
  const choice = toolChoice(request.tool_choice);
  const body = {
    model: endpoint.model,
    messages: toOpenAiMessages(request.system, request.messages),
    ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
    ...(request.max_tokens === undefined ? {} : { max_tokens: request.max_tokens }),
    ...(tools === undefined || tools.length === 0 ? {} : { tools }),
    ...(choice === undefined || tools === undefined ? {} : { tool_choice: choice }),
  };
  if (request.stream !== true) {
    const res = await client.chat.completions.create(body, { signal });
    const first = res.choices[0];
    const calls = (first?.message.tool_calls ?? []).flatMap((c) => (c.type === 'function' ? [parseArguments(c.id, c.function.name, c.function.arguments)] : []));
    return {
      model: res.model, text: first?.message.content ?? '', tool_calls: calls,
      finish_reason: finish(first?.finish_reason), raw_finish_reason: first?.finish_reason ?? null,
      usage: { input_tokens: res.usage?.prompt_tokens ?? 0, output_tokens: res.usage?.completion_tokens ?? 0 },
    };
  }
  const stream = await client.chat.completions.create({ ...body, stream: true, stream_options: { include_usage: true } }, { signal });
  return collectStream(stream, endpoint.model, request.on_text);
}

async function collectStream(stream: AsyncIterable<ChatCompletionChunk>, model: string, onText: ((t: string) => void) | undefined): Promise<RawChat> {
  let text = '';
  let raw: string | null = null;
  let usage: Usage = { input_tokens: 0, output_tokens: 0 };
  let seenModel = model;
  const calls = new Map<number, { id: string; name: string; args: string }>();
  for await (const chunk of stream) {
    if (chunk.model) seenModel = chunk.model;
    if (chunk.usage) usage = { input_tokens: chunk.usage.prompt_tokens, output_tokens: chunk.usage.completion_tokens };
    const c = chunk.choices[0];
    if (c === undefined) continue;
    if (c.delta.content) {
      text += c.delta.content;
      onText?.(c.delta.content);
    }
    for (const d of c.delta.tool_calls ?? []) {
      const call = calls.get(d.index) ?? { id: '', name: '', args: '' };
      if (d.id) call.id = d.id;
      if (d.function?.name) call.name += d.function.name;
      if (d.function?.arguments) call.args += d.function.arguments;
      calls.set(d.index, call);
    }
    if (c.finish_reason) raw = c.finish_reason;
  }
  const toolCalls = [...calls.entries()].sort(([a], [b]) => a - b).map(([, c]) => parseArguments(c.id, c.name, c.args));
  return { model: seenModel, text, tool_calls: toolCalls, finish_reason: finish(raw), raw_finish_reason: raw, usage };
}

/** One embeddings call; vectors in input order. */
export async function openaiEmbed(client: OpenAI, model: string, input: readonly string[], dimensions: number | undefined, signal: AbortSignal): Promise<{ model: string; embeddings: number[][]; input_tokens: number }> {
  const res = await client.embeddings.create({ model, input: [...input], encoding_format: 'float', ...(dimensions === undefined ? {} : { dimensions }) }, { signal });
  const embeddings = [...res.data].sort((a, b) => a.index - b.index).map((d) => d.embedding);
  return { model: res.model, embeddings, input_tokens: res.usage?.prompt_tokens ?? 0 };
}
