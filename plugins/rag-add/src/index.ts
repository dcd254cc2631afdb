import { definePlugin, PluginError, Type } from '@rustchain/core/plugin';
import { embedTexts, providerClaims, ProviderParams } from '@rustchain/plugin-generate-embedding/embedder';
import { chunkText } from './chunk.ts';
import { documentsOf } from './documents.ts';
import { withStore } from './open.ts';
import { DEFAULT_DATABASE } from './results.ts';
import type { ChunkInput } from './store/vector-store.ts';

/**
 * `rag_add`: chunks documents, embeds the chunks through the provider's embeddings endpoint,
 * and stores them in the persistent local vector store (SQLite in the state dir). Re-adding a
 * document id replaces all its chunks, so running the step twice equals running it once.
 */

const DEFAULT_CHUNK_SIZE = 1000;
const DEFAULT_OVERLAP = 200;

const Document = Type.Object({
  id: Type.Optional(Type.String({ minLength: 1 })),
  content: Type.String({ minLength: 1 }),
  metadata: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
});

const Params = Type.Object(
  {
    id: Type.Optional(Type.String({ minLength: 1, description: 'the document id (required with `content`); results carry it as document_id' })),
    content: Type.Optional(Type.String({ minLength: 1, description: 'the document text (required unless `documents` is given)' })),
    metadata: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'JSON metadata stored with every chunk (rag_query `filter` matches it)' })),
    documents: Type.Optional(Type.Union([Type.String({ minLength: 1 }), Type.Array(Type.Union([Type.String({ minLength: 1 }), Document]))], {
      description: 'several documents: strings (id from the content hash) or {id, content, metadata}',
    })),
    database: Type.Optional(Type.String({ minLength: 1, description: 'the collection (default "default"); `index_name` is accepted as an alias' })),
    index_name: Type.Optional(Type.String({ minLength: 1, description: 'alias of `database` (converted LangChain missions)' })),
    chunk_size: Type.Optional(Type.Integer({ minimum: 1, description: `characters per chunk (default ${DEFAULT_CHUNK_SIZE})` })),
    overlap: Type.Optional(Type.Integer({ minimum: 0, description: `characters shared by consecutive chunks, less than chunk_size (default: ${DEFAULT_OVERLAP} or a fifth of chunk_size, whichever is smaller)` })),
    embedding_model: Type.Optional(Type.String({ minLength: 1, description: 'alias of `model`' })),
    batch_size: Type.Optional(Type.Integer({ minimum: 1, maximum: 2048, description: 'chunks per embeddings request (default 128)' })),
    ...ProviderParams,
    model: Type.Optional(Type.String({ minLength: 1, description: "embeddings model (default: the collection's when it exists, else the provider's); `embedding_model` is an alias" })),
  },
  { additionalProperties: true },
);

const Outputs = Type.Object({
  ids: Type.Array(Type.String(), { description: 'the document ids stored' }),
  chunks: Type.Integer({ description: 'chunks stored' }),
  replaced: Type.Integer({ description: 'chunks of earlier versions of these documents removed' }),
  database: Type.String(),
  model: Type.String(),
  provider: Type.String(),
  dimension: Type.Integer(),
  usage: Type.Object({ input_tokens: Type.Integer() }),
  cost: Type.Optional(Type.Number({ description: 'when settings.llm.prices has the model (per million tokens)' })),
});

/** The `rag_add` step type. */
export default definePlugin({
  type: 'rag_add',
  description: 'Chunk, embed and store documents in the local vector store (SQLite in the state dir) for rag_query',
  params: Params,
  outputs: Outputs,
  capabilities: ['net', 'env', 'data'],
  effect: 'idempotent',
  claims: (params) => providerClaims(params),
  async run(params, ctx) {
    const docs = documentsOf(params);
    const size = params.chunk_size ?? DEFAULT_CHUNK_SIZE;
    if (params.overlap !== undefined && params.overlap >= size) {
      throw new PluginError('E_PARAMS_INVALID', `overlap (${params.overlap}) must be less than chunk_size (${size})`, { details: { overlap: params.overlap, chunk_size: size }, nonRetryable: true });
    }
    const overlap = params.overlap ?? Math.min(DEFAULT_OVERLAP, Math.floor(size / 5));
    const database = params.database ?? params.index_name ?? DEFAULT_DATABASE;
    const pieces = docs.flatMap((doc) => chunkText(doc.content, doc.id, size, overlap).map((chunk) => ({ doc, chunk })));
    // The store opens first: a run without a state dir fails before any embeddings request.
    const { embedded, stored, removed } = await withStore(ctx, async (store) => {
      // Without a model of its own, a step adding to an existing collection uses the collection's.
      const model = params.model ?? params.embedding_model ?? store.info(database)?.model ?? undefined;
      const embedded = await embedTexts(ctx, { ...params, model }, pieces.map((p) => p.chunk.content), params.batch_size === undefined ? {} : { batchSize: params.batch_size });
      const chunks: ChunkInput[] = pieces.map(({ doc, chunk }, i) => ({
        id: chunk.id, documentId: doc.id, chunkIndex: chunk.index, content: chunk.content, metadata: doc.metadata, embedding: embedded.vectors[i]!,
      }));
      return { embedded, ...store.replaceDocuments(database, embedded.model, docs.map((d) => d.id), chunks) };
    });
    ctx.log.info('rag_add stored chunks', { database, documents: docs.length, chunks: stored, replaced: removed });
    return {
      ids: docs.map((d) => d.id), chunks: stored, replaced: removed, database,
      model: embedded.model, provider: embedded.provider, dimension: embedded.dimension, usage: embedded.usage,
      ...(embedded.cost === undefined ? {} : { cost: embedded.cost }),
    };
  },
});
