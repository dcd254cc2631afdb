import { definePlugin, Type } from '@rustchain/core/plugin';
import { embedTexts, providerClaims, ProviderParams } from './embedder.ts';

/**
 * `generate_embedding`: the embedding vector of one text from the provider's embeddings
 * endpoint (OpenAI-compatible: OpenAI, Ollama, vLLM, LM Studio, llama.cpp server), through
 * ctx.fetch under the network policy.
 */

const Params = Type.Object(
  {
    text: Type.String({ description: 'the text to embed' }),
    ...ProviderParams,
  },
  { additionalProperties: true },
);

const Outputs = Type.Object({
  embedding: Type.Array(Type.Number(), { description: 'the vector (float32 precision)' }),
  dimension: Type.Integer(),
  model: Type.String({ description: 'the model the provider reports' }),
  provider: Type.String(),
  usage: Type.Object({ input_tokens: Type.Integer() }),
  cost: Type.Optional(Type.Number({ description: 'when settings.llm.prices has the model (per million tokens)' })),
  text: Type.String({ description: 'the input text (the original returned it)' }),
});

/** The `generate_embedding` step type. */
export default definePlugin({
  type: 'generate_embedding',
  description: "Embed a text through the provider's embeddings endpoint (OpenAI-compatible); outputs the vector and its dimension",
  params: Params,
  outputs: Outputs,
  capabilities: ['net', 'env'],
  effect: 'read',
  claims: (params) => providerClaims(params),
  async run(params, ctx) {
    const res = await embedTexts(ctx, params, [params.text]);
    const vector = res.vectors[0] ?? new Float32Array(0);
    return {
      embedding: Array.from(vector), dimension: res.dimension, model: res.model, provider: res.provider, usage: res.usage,
      ...(res.cost === undefined ? {} : { cost: res.cost }), text: params.text,
    };
  },
});
