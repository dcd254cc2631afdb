import type { StepContext } from '@rustchain/core/plugin';
import { complete } from './providers/complete.ts';
import type { ChatMessage } from './providers/types.ts';

/** The parameters runModel reads (the llm schema; model_inference passes a subset). */
export interface ModelCallParams {
  prompt?: string | undefined;
  model?: string | undefined;
  provider?: string | undefined;
  base_url?: string | undefined;
  temperature?: number | undefined;
  max_tokens?: number | undefined;
  system?: string | undefined;
  messages?: ReadonlyArray<{ role: 'system' | 'user' | 'assistant'; content: string }> | undefined;
  response_schema?: unknown;
  stream?: boolean | undefined;
  request_timeout_seconds?: number | undefined;
  max_retries?: number | undefined;
}

/** The outputs of a model-call step. */
export interface ModelCallOutputs {
  text: string;
  response: string;
  model: string;
  provider: string;
  finish_reason: 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'other';
  usage: { input_tokens: number; output_tokens: number };
  cost?: number;
  json?: unknown;
}

/** The tail of a streamed reply sent as the progress line. */
const PROGRESS_CHARS = 200;

/** One model call from step parameters: messages (then prompt as the last user turn), streaming shown as progress. */
export async function runModel(params: ModelCallParams, ctx: StepContext): Promise<ModelCallOutputs> {
  const messages: ChatMessage[] = [...(params.messages ?? [])];
  // A streamed reply is shown live: the text so far as the step's progress line.
  let sofar = '';
  const onText = params.stream === true && ctx.progress !== undefined
    ? (fragment: string): void => {
      sofar += fragment;
      ctx.progress?.(sofar.length > PROGRESS_CHARS ? sofar.slice(-PROGRESS_CHARS) : sofar);
    }
    : undefined;
  if (params.prompt !== undefined) messages.push({ role: 'user', content: params.prompt });
  const res = await complete(ctx, {
    messages,
    provider: params.provider,
    model: params.model,
    base_url: params.base_url,
    system: params.system,
    temperature: params.temperature,
    max_tokens: params.max_tokens,
    response_schema: params.response_schema,
    stream: params.stream,
    on_text: onText,
    ...(params.request_timeout_seconds === undefined ? {} : { timeout_ms: Math.round(params.request_timeout_seconds * 1000) }),
    max_retries: params.max_retries,
  });
  return {
    text: res.text,
    response: res.text,
    model: res.model,
    provider: res.provider,
    finish_reason: res.finish_reason,
    usage: res.usage,
    ...(res.cost === undefined ? {} : { cost: res.cost }),
    ...(res.json === undefined ? {} : { json: res.json }),
  };
}
