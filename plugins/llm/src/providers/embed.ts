import { PluginError } from '@rustchain/core/plugin';
import type { LlmContext } from './chat.ts';
import { commit, estimateTokens, reserve } from './budget.ts';
import { toLlmError } from './errors.ts';
import { openaiClient, openaiEmbed } from './openai.ts';
import { resolveEndpoint } from './resolve.ts';
import { costOf } from './settings.ts';
import { createTransport } from './transport.ts';
import type { EmbedRequest, EmbedResponse } from './types.ts';

/**
 * Embeddings of `input` (one vector per text, in order) from an OpenAI-compatible
 * `/embeddings` endpoint through ctx.fetch. Anthropic has no embeddings API:
 * E_LLM_UNSUPPORTED.
 */
export async function embed(ctx: LlmContext, request: EmbedRequest): Promise<EmbedResponse> {
  const endpoint = resolveEndpoint(ctx, request, 'embed');
  if (endpoint.kind === 'anthropic') {
    throw new PluginError('E_LLM_UNSUPPORTED', `provider "${endpoint.name}" (Anthropic Messages) has no embeddings endpoint: use an OpenAI-compatible provider`, { details: { provider: endpoint.name }, nonRetryable: true });
  }
  const model = endpoint.embeddingModel;
  if (model === undefined) {
    throw new PluginError('E_LLM_PROVIDER_UNKNOWN', `provider "${endpoint.name}" has no default embeddings model: set \`model\` or settings.llm.providers.${endpoint.name}.embedding_model`, { details: { provider: endpoint.name }, nonRetryable: true });
  }
  if (request.input.length === 0) return { provider: endpoint.name, model, embeddings: [], usage: { input_tokens: 0 } };
  const reservation = reserve(ctx, endpoint.settings, model, request.input.reduce((n, text) => n + estimateTokens(text), 0), 0);
  const transport = createTransport(ctx, { timeoutMs: endpoint.timeoutMs, maxRetries: endpoint.maxRetries, keyless: endpoint.apiKey === undefined });
  let res;
  try {
    res = await openaiEmbed(await openaiClient(endpoint, transport.fetch), model, request.input, request.dimensions, ctx.signal);
  } catch (err) {
    reservation?.release();
    throw toLlmError(err, endpoint.name, transport, ctx.signal);
  }
  if (res.embeddings.length !== request.input.length) {
    throw new PluginError('E_LLM_BAD_RESPONSE', `${endpoint.name} returned ${res.embeddings.length} embeddings for ${request.input.length} inputs`, { details: { provider: endpoint.name } });
  }
  const cost = costOf(endpoint.settings, res.model, { input_tokens: res.input_tokens });
  commit(reservation, { input_tokens: res.input_tokens, output_tokens: 0 }, cost);
  return { provider: endpoint.name, model: res.model, embeddings: res.embeddings, usage: { input_tokens: res.input_tokens }, ...(cost === undefined ? {} : { cost }) };
}
