/**
 * The scan's scoring and selection: cosine similarity over Float32 vectors and a bounded
 * min-heap of the best `k` (score, rowid) pairs, both on typed arrays so a 100k-row scan
 * allocates nothing per row. Ties on score go to the earlier row (lower rowid), so the order
 * is deterministic and equals a stable sort of (score desc, rowid asc).
 */

/** Dot product, accumulated in float64 (dotAt at offset 0: one summation order for every scan). */
export function dot(a: Float32Array, b: Float32Array): number {
  return dotAt(a, b, 0);
}

/** Dot product of `a` with the row of `matrix` starting at `offset` (a.length values). */
export function dotAt(a: Float32Array, matrix: Float32Array, offset: number): number {
  const n = a.length;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  // Four accumulators: independent adds pipeline; the sum order is fixed, so results are reproducible.
  for (; i + 3 < n; i += 4) {
    s0 += a[i]! * matrix[offset + i]!;
    s1 += a[i + 1]! * matrix[offset + i + 1]!;
    s2 += a[i + 2]! * matrix[offset + i + 2]!;
    s3 += a[i + 3]! * matrix[offset + i + 3]!;
  }
  for (; i < n; i++) s0 += a[i]! * matrix[offset + i]!;
  return s0 + s1 + (s2 + s3);
}

/** L2 norm of a vector. */
export function norm(v: Float32Array): number {
  return Math.sqrt(dot(v, v));
}

/** Cosine similarity from a dot product and both norms; 0 when either vector is zero. */
export function cosineFrom(dotProduct: number, normA: number, normB: number): number {
  if (normA === 0 || normB === 0) return 0;
  return dotProduct / (normA * normB);
}

/** Keeps the `k` best (score, rowid) pairs seen; `better` = higher score, then lower rowid. */
export class TopK {
  readonly #scores: Float64Array;
  readonly #rows: Float64Array;
  #size = 0;

  constructor(readonly k: number) {
    this.#scores = new Float64Array(k);
    this.#rows = new Float64Array(k);
  }

  /** The score a new row must beat to enter (−Infinity until the heap is full). */
  get floor(): number {
    return this.#size < this.k ? -Infinity : this.#scores[0]!;
  }

  /** Offers one row; rows must be offered in increasing rowid order (the scan's order). */
  offer(score: number, rowid: number): void {
    if (this.k === 0) return;
    if (this.#size < this.k) {
      let i = this.#size++;
      // Sift up: the root is the worst kept row.
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!this.#worse(score, rowid, parent)) break;
        this.#scores[i] = this.#scores[parent]!;
        this.#rows[i] = this.#rows[parent]!;
        i = parent;
      }
      this.#scores[i] = score;
      this.#rows[i] = rowid;
      return;
    }
    // Rows arrive by increasing rowid, so an equal score never displaces an earlier row.
    if (score <= this.#scores[0]!) return;
    let i = 0;
    const n = this.#size;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && this.#worseAt(right, left) ? right : left;
      if (!this.#worseAt(child, -1, score, rowid)) break;
      this.#scores[i] = this.#scores[child]!;
      this.#rows[i] = this.#rows[child]!;
      i = child;
    }
    this.#scores[i] = score;
    this.#rows[i] = rowid;
  }

  /** The kept rows, best first. */
  sorted(): Array<{ score: number; rowid: number }> {
    const out: Array<{ score: number; rowid: number }> = [];
    for (let i = 0; i < this.#size; i++) out.push({ score: this.#scores[i]!, rowid: this.#rows[i]! });
    return out.sort((a, b) => b.score - a.score || a.rowid - b.rowid);
  }

  /** True when (score, rowid) ranks below the kept entry at `index`. */
  #worse(score: number, rowid: number, index: number): boolean {
    const s = this.#scores[index]!;
    return score < s || (score === s && rowid > this.#rows[index]!);
  }

  /** True when entry `a` ranks below entry `b` (b = -1: the candidate `score`/`rowid`). */
  #worseAt(a: number, b: number, score = 0, rowid = 0): boolean {
    const sb = b < 0 ? score : this.#scores[b]!;
    const rb = b < 0 ? rowid : this.#rows[b]!;
    const sa = this.#scores[a]!;
    return sa < sb || (sa === sb && this.#rows[a]! > rb);
  }
}
