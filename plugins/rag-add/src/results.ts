import { Type } from '@rustchain/core/plugin';
import type { SearchHit } from './store/vector-store.ts';

/** One search result as rag_query and similarity_search output it. */
export const ResultSchema = Type.Object({
  id: Type.String({ description: 'the chunk id (`<document id>_chunk_<n>`)' }),
  document_id: Type.String(),
  chunk_index: Type.Integer(),
  content: Type.String(),
  score: Type.Number({ description: 'cosine similarity, -1..1' }),
  metadata: Type.Record(Type.String(), Type.Unknown()),
});

/** Search hits in the output shape. */
export function resultOutputs(hits: readonly SearchHit[]): Array<{ id: string; document_id: string; chunk_index: number; content: string; score: number; metadata: Record<string, unknown> }> {
  return hits.map((h) => ({ id: h.id, document_id: h.documentId, chunk_index: h.chunkIndex, content: h.content, score: h.score, metadata: h.metadata }));
}

/** The parameters shared by the search step types: where and how to search. */
export const SearchParams = {
  database: Type.Optional(Type.String({ minLength: 1, description: 'the collection to search (default "default")' })),
  threshold: Type.Optional(Type.Number({ minimum: -1, maximum: 1, description: 'only results with at least this cosine similarity' })),
  filter: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'metadata equality: every key must equal its value (typed; arrays/objects compare as JSON)' })),
};

/** The collection a step means (`database`, else `default`). */
export const DEFAULT_DATABASE = 'default';
