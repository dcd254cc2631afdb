import { definePlugin, PluginError, Type } from '@rustchain/core/plugin';
import { embedTexts, providerClaims, ProviderParams } from '@rustchain/plugin-generate-embedding/embedder';
import { DEFAULT_DATABASE, resultOutputs, ResultSchema, SearchParams, withStore } from '@rustchain/plugin-rag-add/store';

/**
 * `similarity_search`: the `top_k` chunks of the local vector store nearest (cosine) to a
 * given vector, e.g. a generate_embedding step's `embedding`; or, for convenience, to a
 * `query` text embedded here first.
 */

const DEFAULT_TOP_K = 5;
const MAX_TOP_K = 1000;

const Params = Type.Object(
  {
    query_embedding: Type.Optional(Type.Array(Type.Number(), { minItems: 1, description: 'the vector to search with (required unless `query` is given)' })),
    query: Type.Optional(Type.String({ minLength: 1, description: 'a text to embed (with model/provider) and search with, instead of query_embedding' })),
    top_k: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_TOP_K, description: `at most this many results (default ${DEFAULT_TOP_K})` })),
    metric: Type.Optional(Type.Literal('cosine', { description: 'the similarity measure; cosine is the one the store ranks by' })),
    ...SearchParams,
    ...ProviderParams,
    model: Type.Optional(Type.String({ minLength: 1, description: 'embeddings model of a `query` text (default: the model the collection was filled with)' })),
  },
  { additionalProperties: true },
);

const Outputs = Type.Object({
  results: Type.Array(ResultSchema, { description: 'best first' }),
  count: Type.Integer(),
  top_k: Type.Integer(),
  metric: Type.Literal('cosine'),
  database: Type.String(),
  dimension: Type.Integer(),
});

/** The `similarity_search` step type. */
export default definePlugin({
  type: 'similarity_search',
  description: 'Find the chunks of the local vector store nearest (cosine top-k) to a vector, or to a query text embedded first',
  params: Params,
  outputs: Outputs,
  capabilities: ['net', 'env', 'data'],
  effect: 'read',
  claims: (params) => (params.query === undefined ? [] : providerClaims(params)),
  async run(params, ctx) {
    const database = params.database ?? DEFAULT_DATABASE;
    const topK = params.top_k ?? DEFAULT_TOP_K;
    const { query, query_embedding: given, threshold, filter } = params;
    if (given === undefined && query === undefined) {
      throw new PluginError('E_PARAMS_INVALID', 'similarity_search needs `query_embedding` (a list of numbers) or `query` (a text)', { nonRetryable: true });
    }
    const { hits, dimension } = await withStore(ctx, async (store) => {
      if (given !== undefined) return { hits: (await store.search(database, given, { limit: topK, threshold, filter, signal: ctx.signal })).hits, dimension: given.length };
      // A query text with nothing stored there yet: no results, and no embeddings request to pay for.
      const info = store.info(database);
      if (info === null) return { hits: [], dimension: 0 };
      // Without a model of its own, the text is embedded with the one the collection was filled with.
      const embedded = await embedTexts(ctx, { ...params, model: params.model ?? info.model ?? undefined }, [query ?? '']);
      const vector = embedded.vectors[0] ?? new Float32Array(0);
      return { hits: (await store.search(database, vector, { limit: topK, threshold, filter, model: embedded.model, signal: ctx.signal })).hits, dimension: vector.length };
    });
    const results = resultOutputs(hits);
    return { results, count: results.length, top_k: topK, metric: 'cosine' as const, database, dimension };
  },
});
