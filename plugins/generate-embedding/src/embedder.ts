import { PluginError, Type, type ResourceClaim, type StepContext } from '@rustchain/core/plugin';
import { embed } from '@rustchain/plugin-llm/providers';

/**
 * `@rustchain/plugin-generate-embedding/embedder`: embeddings for the embedding and RAG step
 * types (generate_embedding, rag_add, rag_query, similarity_search). Texts go to the
 * provider's embeddings endpoint through `@rustchain/plugin-llm/providers` (so ctx.fetch, the
 * network policy, keys, retries, record/replay and the run's budget apply), in batches; the
 * vectors come back as Float32Array, checked: one per text, one dimension, finite.
 */

/** Texts per embeddings request: well under every OpenAI-compatible server's input cap. */
const DEFAULT_BATCH = 128;

/** The parameters every embedding step type takes to pick the provider (typebox properties). */
export const ProviderParams = {
  model: Type.Optional(Type.String({ minLength: 1, description: "embeddings model (default: the provider's, e.g. text-embedding-3-small for openai, or settings.llm.providers.<name>.embedding_model)" })),
  provider: Type.Optional(Type.String({ minLength: 1, description: 'openai (default), ollama, or a provider under settings.llm.providers; anthropic has no embeddings' })),
  base_url: Type.Optional(Type.String({ minLength: 1, description: "the provider's OpenAI-compatible base URL (e.g. http://127.0.0.1:11434/v1); checked against the network policy" })),
  dimensions: Type.Optional(Type.Integer({ minimum: 1, description: 'output dimensions, for models that can shorten (text-embedding-3-*)' })),
  timeout_seconds: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'deadline of each embeddings request (default 120)' })),
  max_retries: Type.Optional(Type.Integer({ minimum: 0, maximum: 10, description: 'retries on 408/409/429/5xx and connection failures, honouring retry-after (default 2)' })),
};

/** How the provider is chosen (the values of ProviderParams). */
export interface ProviderChoice {
  model?: string | undefined;
  provider?: string | undefined;
  base_url?: string | undefined;
  dimensions?: number | undefined;
  timeout_seconds?: number | undefined;
  max_retries?: number | undefined;
}

/** The static network claim: a step's own base_url (a provider default is checked at run time). */
export function providerClaims(params: ProviderChoice): ResourceClaim[] {
  return params.base_url === undefined ? [] : [{ kind: 'net', url: params.base_url, pointer: '/base_url', schemes: ['http:', 'https:'] }];
}

/** Embeddings of several texts, in order. */
export interface Embeddings {
  provider: string;
  model: string;
  dimension: number;
  vectors: Float32Array[];
  usage: { input_tokens: number };
  cost?: number;
}

function badResponse(message: string, details: Record<string, unknown>): PluginError {
  return new PluginError('E_EMBEDDING_BAD_RESPONSE', message, { details });
}

/** Embeds `texts` (batched), one checked Float32 vector per text. */
export async function embedTexts(ctx: StepContext, choice: ProviderChoice, texts: readonly string[], options: { batchSize?: number } = {}): Promise<Embeddings> {
  const batch = Math.max(1, options.batchSize ?? DEFAULT_BATCH);
  const vectors: Float32Array[] = [];
  let provider = choice.provider ?? '';
  let model = choice.model ?? '';
  let inputTokens = 0;
  let cost: number | undefined;
  let dimension = 0;
  for (let start = 0; start < texts.length; start += batch) {
    const input = texts.slice(start, start + batch);
    const res = await embed(ctx, {
      input,
      ...(choice.model === undefined ? {} : { model: choice.model }),
      ...(choice.provider === undefined ? {} : { provider: choice.provider }),
      ...(choice.base_url === undefined ? {} : { base_url: choice.base_url }),
      ...(choice.dimensions === undefined ? {} : { dimensions: choice.dimensions }),
      ...(choice.timeout_seconds === undefined ? {} : { timeout_ms: Math.ceil(choice.timeout_seconds * 1000) }),
      ...(choice.max_retries === undefined ? {} : { max_retries: choice.max_retries }),
    });
    provider = res.provider;
    model = res.model;
    inputTokens += res.usage.input_tokens;
    if (res.cost !== undefined) cost = (cost ?? 0) + res.cost;
    for (const [i, values] of res.embeddings.entries()) {
      if (!Array.isArray(values) || values.length === 0) throw badResponse(`${res.provider} returned an empty embedding for input ${start + i}`, { provider: res.provider, index: start + i });
      if (dimension === 0) dimension = values.length;
      if (values.length !== dimension) {
        throw badResponse(`${res.provider} returned embeddings of different dimensions (${dimension} and ${values.length})`, { provider: res.provider, expected: dimension, got: values.length });
      }
      const vector = Float32Array.from(values);
      if (!vector.every(Number.isFinite)) throw badResponse(`${res.provider} returned a non-finite value in embedding ${start + i}`, { provider: res.provider, index: start + i });
      vectors.push(vector);
    }
  }
  return { provider, model, dimension, vectors, usage: { input_tokens: inputTokens }, ...(cost === undefined ? {} : { cost }) };
}
