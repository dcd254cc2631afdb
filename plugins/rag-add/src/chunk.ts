/**
 * Splits a document into overlapping windows of `size` characters (Unicode code points, not
 * UTF-16 units, so no surrogate pair is cut), each starting `size - overlap` after the last:
 * the original's TextChunker. A document that fits is one chunk. Ids are the original's:
 * `<id>_chunk_<n>`.
 */

/** One chunk of a document. */
export interface TextChunk {
  id: string;
  index: number;
  content: string;
  /** Code-point offsets into the document: [start, end). */
  start: number;
  end: number;
}

/** Chunks `text`; `overlap` must be smaller than `size` (the caller's schema checks it). */
export function chunkText(text: string, documentId: string, size: number, overlap: number): TextChunk[] {
  const chars = Array.from(text);
  if (chars.length <= size) return [{ id: `${documentId}_chunk_0`, index: 0, content: text, start: 0, end: chars.length }];
  const step = Math.max(1, size - overlap);
  const chunks: TextChunk[] = [];
  for (let start = 0; ; start += step) {
    const end = Math.min(start + size, chars.length);
    const index = chunks.length;
    chunks.push({ id: `${documentId}_chunk_${index}`, index, content: chars.slice(start, end).join(''), start, end });
    if (end === chars.length) break;
  }
  return chunks;
}
