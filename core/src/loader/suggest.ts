import { distance } from 'fastest-levenshtein';

/**
 * Edit distance where one swap of two adjacent characters costs one edit: the typos people
 * make are transpositions (`retyr`, `depnds_on`) as often as missing or extra letters, and
 * plain Levenshtein charges a transposition two. (Levenshtein, then each single swap of `a`
 * plus Levenshtein: enough for the short names suggestions are made between.)
 */
function typoDistance(a: string, b: string): number {
  let best = distance(a, b);
  if (best <= 1) return best;
  for (let i = 0; i + 1 < a.length; i++) {
    if (a[i] === a[i + 1]) continue;
    const swapped = a.slice(0, i) + a[i + 1]! + a[i]! + a.slice(i + 2);
    best = Math.min(best, 1 + distance(swapped, b));
  }
  return best;
}

/** True when `word` is close enough to `candidate` to be a plausible typo of it. */
function isTypoOf(word: string, candidate: string): boolean {
  const d = typoDistance(word.toLowerCase(), candidate.toLowerCase());
  const longest = Math.max(word.length, candidate.length);
  return d <= Math.max(1, Math.floor(longest / 3)) && d < longest;
}

/** The candidate closest to `word`, when it is close enough to be a plausible typo. */
export function didYouMean(word: string, candidates: Iterable<string>): string | null {
  let best: string | null = null;
  let bestDistance = Number.POSITIVE_INFINITY;
  const lower = word.toLowerCase();
  for (const candidate of candidates) {
    const d = typoDistance(lower, candidate.toLowerCase());
    if (d < bestDistance || (d === bestDistance && best !== null && candidate < best)) {
      best = candidate;
      bestDistance = d;
    }
  }
  if (best === null) return null;
  return isTypoOf(word, best) ? best : null;
}
