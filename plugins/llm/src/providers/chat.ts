import type { StepContext } from '@rustchain/core/plugin';
import { ANTHROPIC_DEFAULT_MAX_TOKENS, anthropicChat, anthropicClient } from './anthropic.ts';
import { chatInputEstimate, commit, DEFAULT_OUTPUT_ESTIMATE, reserve } from './budget.ts';
import { toLlmError } from './errors.ts';
import { openaiChat, openaiClient } from './openai.ts';
import { resolveEndpoint } from './resolve.ts';
import { costOf } from './settings.ts';
import { createTransport } from './transport.ts';
import type { ChatRequest, ChatResponse } from './types.ts';

/** The capabilities a provider call uses. */
export type LlmContext = Pick<StepContext, 'fetch' | 'env' | 'settings' | 'signal' | 'budget'>;

/**
 * One chat call to the provider the request (or settings) names, through ctx.fetch. Returns
 * the normalised reply; throws coded errors (E_LLM_*, E_POLICY_*, E_HTTP_TIMEOUT,
 * E_STEP_CANCELLED).
 */
export async function chat(ctx: LlmContext, request: ChatRequest): Promise<ChatResponse> {
  const endpoint = resolveEndpoint(ctx, request);
  const output = request.max_tokens ?? (endpoint.kind === 'anthropic' ? ANTHROPIC_DEFAULT_MAX_TOKENS : DEFAULT_OUTPUT_ESTIMATE);
  const reservation = reserve(ctx, endpoint.settings, endpoint.model, chatInputEstimate(request), output);
  const transport = createTransport(ctx, { timeoutMs: endpoint.timeoutMs, maxRetries: endpoint.maxRetries, keyless: endpoint.apiKey === undefined });
  let raw;
  try {
    raw = endpoint.kind === 'anthropic'
      ? await anthropicChat(await anthropicClient(endpoint, transport.fetch), endpoint, request, ctx.signal)
      : await openaiChat(await openaiClient(endpoint, transport.fetch), endpoint, request, ctx.signal);
  } catch (err) {
    reservation?.release();
    throw toLlmError(err, endpoint.name, transport, ctx.signal);
  }
  const cost = costOf(endpoint.settings, endpoint.model, raw.usage);
  commit(reservation, raw.usage, cost);
  return {
    provider: endpoint.name,
    ...raw,
    ...(cost === undefined ? {} : { cost }),
    message: { role: 'assistant', content: raw.text, ...(raw.tool_calls.length === 0 ? {} : { tool_calls: raw.tool_calls }) },
  };
}
