import { createHash } from 'node:crypto';

/**
 * Deterministic embeddings by feature hashing: every lower-cased word adds ±1 to the dimension
 * its hash picks, and the sum is scaled to unit length. Texts that share words point the same
 * way (cosine similarity grows with the overlap), so retrieval tests rank as a real model
 * would on keyword overlap, and the same text always gives the same vector.
 */
export function fakeEmbedding(text: string, dimensions: number): number[] {
  const vector = new Array<number>(dimensions).fill(0);
  const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  for (const word of words) {
    const digest = createHash('sha256').update(word).digest();
    const index = digest.readUInt32LE(0) % dimensions;
    vector[index] = (vector[index] ?? 0) + ((digest[4] ?? 0) & 1 ? 1 : -1);
  }
  const norm = Math.hypot(...vector);
  // No words: a fixed unit vector, so the result is still a valid (normalised) embedding.
  if (norm === 0) return vector.map((_, i) => (i === 0 ? 1 : 0));
  return vector.map((v) => v / norm);
}

/** The base64 form the OpenAI API returns for `encoding_format: "base64"` (little-endian float32). */
export function toBase64Float32(vector: readonly number[]): string {
  const buffer = Buffer.alloc(vector.length * 4);
  vector.forEach((v, i) => buffer.writeFloatLE(v, i * 4));
  return buffer.toString('base64');
}
