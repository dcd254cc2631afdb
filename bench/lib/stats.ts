/**
 * Repetition and summary statistics. Every figure in the report is the median of several
 * runs with its spread (min/max and interquartile range), never a single sample.
 */

/** A summarised series of measurements. */
export interface Figure {
  median: number;
  min: number;
  max: number;
  q1: number;
  q3: number;
  runs: number;
}

/** Linear-interpolated quantile of a sorted array. */
function quantile(sorted: readonly number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo] ?? Number.NaN;
  const b = sorted[hi] ?? Number.NaN;
  return a + (b - a) * (pos - lo);
}

/** Median, min/max and quartiles of `values`. */
export function summarize(values: readonly number[]): Figure {
  const sorted = [...values].sort((x, y) => x - y);
  return {
    median: quantile(sorted, 0.5),
    min: sorted[0] ?? Number.NaN,
    max: sorted[sorted.length - 1] ?? Number.NaN,
    q1: quantile(sorted, 0.25),
    q3: quantile(sorted, 0.75),
    runs: sorted.length,
  };
}

/** Multiplies every field of a figure (unit conversion, per-step division). */
export function scale(f: Figure, factor: number): Figure {
  return { ...f, median: f.median * factor, min: f.min * factor, max: f.max * factor, q1: f.q1 * factor, q3: f.q3 * factor };
}

/** Per-run ratios ours[i] / base[i], summarised: runs are paired, so drift cancels. */
export function ratio(ours: readonly number[], base: readonly number[]): Figure {
  return summarize(ours.map((v, i) => v / (base[i] ?? Number.NaN)));
}

/** Forces a full GC when node runs with --expose-gc, so runs start from the same heap. */
export function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) {
    gc();
    gc();
  }
}

/** Times one async call in milliseconds. */
export async function time(fn: () => Promise<unknown>): Promise<number> {
  collectGarbage();
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

/**
 * Runs each contender `runs` times, interleaved (A B C, A B C, ...) so that machine drift
 * hits every contender alike, after `warmup` unrecorded rounds. Each contender returns
 * its own measurement (usually elapsed ms). Returns the samples per contender, by name.
 */
export async function interleave(
  contenders: Record<string, () => Promise<number>>,
  runs: number,
  warmup = 1,
): Promise<Record<string, number[]>> {
  const names = Object.keys(contenders);
  const samples: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let round = 0; round < warmup + runs; round++) {
    for (const name of names) {
      const value = await contenders[name]!();
      if (round >= warmup) samples[name]!.push(value);
    }
  }
  return samples;
}
