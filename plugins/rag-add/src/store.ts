/**
 * `@rustchain/plugin-rag-add/store`: the persistent local vector store shared by rag_add,
 * rag_query and similarity_search (one SQLite file in the run's state dir, reached through
 * ctx.data), and the chunker.
 */
export { VectorStore } from './store/vector-store.ts';
export type { ChunkInput, CollectionInfo, SearchHit, SearchOptions } from './store/vector-store.ts';
export { withStore } from './open.ts';
export { chunkText } from './chunk.ts';
export { DEFAULT_DATABASE, resultOutputs, ResultSchema, SearchParams } from './results.ts';
