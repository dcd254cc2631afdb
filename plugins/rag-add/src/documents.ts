import { createHash } from 'node:crypto';
import { PluginError } from '@rustchain/core/plugin';

/**
 * The documents one rag_add step adds: the original's single `id` + `content` (+ `metadata`),
 * or a `documents` list (a string, or a list of strings / `{ id?, content, metadata? }`), the
 * shape converted LangChain missions carry. A document without an id gets one from its
 * content's SHA-256, so adding the same text twice replaces it instead of duplicating it.
 */

/** One document to chunk, embed and store. */
export interface DocumentInput {
  id: string;
  content: string;
  metadata: Record<string, unknown>;
}

/** The parameters documentsOf reads. */
export interface DocumentParams {
  id?: string | undefined;
  content?: string | undefined;
  metadata?: Record<string, unknown> | undefined;
  documents?: string | ReadonlyArray<string | { id?: string | undefined; content: string; metadata?: Record<string, unknown> | undefined }> | undefined;
}

function invalid(message: string, details: Record<string, unknown> = {}): PluginError {
  return new PluginError('E_PARAMS_INVALID', message, { details, nonRetryable: true });
}

/** A content-derived id: `doc_<first 16 hex of sha256>`. */
function contentId(content: string): string {
  return `doc_${createHash('sha256').update(content).digest('hex').slice(0, 16)}`;
}

/** The step's documents, ids unique (E_PARAMS_INVALID otherwise, or when there is none). */
export function documentsOf(params: DocumentParams): DocumentInput[] {
  const shared = params.metadata ?? {};
  const docs: DocumentInput[] = [];
  if (params.content !== undefined) {
    if (params.id === undefined) throw invalid('rag_add needs `id` with `content` (the document id results refer to)');
    docs.push({ id: params.id, content: params.content, metadata: { ...shared } });
  } else if (params.id !== undefined && params.documents === undefined) {
    throw invalid('rag_add needs `content` with `id`');
  }
  const list = params.documents === undefined ? [] : typeof params.documents === 'string' ? [params.documents] : params.documents;
  for (const entry of list) {
    if (typeof entry === 'string') docs.push({ id: contentId(entry), content: entry, metadata: { ...shared } });
    else docs.push({ id: entry.id ?? contentId(entry.content), content: entry.content, metadata: { ...shared, ...(entry.metadata ?? {}) } });
  }
  if (docs.length === 0) throw invalid('rag_add needs `id` and `content`, or `documents`');
  const seen = new Set<string>();
  for (const doc of docs) {
    if (seen.has(doc.id)) throw invalid(`document id "${doc.id}" appears twice in one rag_add step`, { id: doc.id });
    seen.add(doc.id);
  }
  return docs;
}
