import { definePlugin, Type } from '@rustchain/core/plugin';
import { embedTexts, providerClaims, ProviderParams } from '@rustchain/plugin-generate-embedding/embedder';
import { DEFAULT_DATABASE, resultOutputs, ResultSchema, SearchParams, withStore } from '@rustchain/plugin-rag-add/store';

/**
 * `rag_query`: embeds the query with the provider, then returns the most similar chunks of
 * the local vector store (exact cosine top-k, `threshold`, metadata `filter`) and `context`,
 * their texts joined, best first: the original's `<id>_context` variable.
 */

const DEFAULT_LIMIT = 10;
const MAX_LIMIT = 1000;

const Params = Type.Object(
  {
    query: Type.String({ minLength: 1, description: 'the question or text to find similar chunks for' }),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_LIMIT, description: `at most this many results (default ${DEFAULT_LIMIT})` })),
    ...SearchParams,
    separator: Type.Optional(Type.String({ description: 'between chunks in `context` (default a blank line)' })),
    max_context_chars: Type.Optional(Type.Integer({ minimum: 1, description: '`context` stops before the chunk that would make it longer (default: no cap)' })),
    ...ProviderParams,
    model: Type.Optional(Type.String({ minLength: 1, description: 'embeddings model of the query (default: the model the collection was filled with)' })),
  },
  { additionalProperties: true },
);

const Outputs = Type.Object({
  results: Type.Array(ResultSchema, { description: 'best first' }),
  context: Type.String({ description: 'the results’ contents joined by `separator`, best first' }),
  count: Type.Integer(),
  database: Type.String(),
  model: Type.String(),
  usage: Type.Object({ input_tokens: Type.Integer() }),
  cost: Type.Optional(Type.Number({ description: 'when settings.llm.prices has the model (per million tokens)' })),
});

/** `context`: contents joined, stopping before the one that would pass `max` characters. */
function contextOf(contents: readonly string[], separator: string, max: number | undefined): string {
  let context = '';
  for (const content of contents) {
    const next = context === '' ? content : `${context}${separator}${content}`;
    if (max !== undefined && next.length > max) break;
    context = next;
  }
  return context;
}

/** The `rag_query` step type. */
export default definePlugin({
  type: 'rag_query',
  description: 'Find the chunks of the local vector store most similar to a query (cosine top-k, threshold, metadata filter); outputs results and the joined context',
  params: Params,
  outputs: Outputs,
  capabilities: ['net', 'env', 'data'],
  effect: 'read',
  claims: (params) => providerClaims(params),
  async run(params, ctx) {
    const database = params.database ?? DEFAULT_DATABASE;
    const found = await withStore(ctx, async (store) => {
      // Nothing stored there yet: no results, and no embeddings request to pay for.
      const info = store.info(database);
      if (info === null) return null;
      // Without a model of its own, the query uses the one the collection was filled with.
      const embedded = await embedTexts(ctx, { ...params, model: params.model ?? info.model ?? undefined }, [params.query]);
      const search = { limit: params.limit ?? DEFAULT_LIMIT, threshold: params.threshold, filter: params.filter, model: embedded.model, signal: ctx.signal };
      return { embedded, hits: (await store.search(database, embedded.vectors[0] ?? new Float32Array(0), search)).hits };
    });
    const results = resultOutputs(found?.hits ?? []);
    return {
      results, context: contextOf(results.map((r) => r.content), params.separator ?? '\n\n', params.max_context_chars), count: results.length, database,
      model: found?.embedded.model ?? params.model ?? '', usage: found?.embedded.usage ?? { input_tokens: 0 },
      ...(found?.embedded.cost === undefined ? {} : { cost: found.embedded.cost }),
    };
  },
});
