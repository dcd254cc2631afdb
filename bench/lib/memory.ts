/**
 * Peak memory while a workload runs: samples rss and heapUsed on a timer (setInterval
 * keeps sampling while the workload awaits timers) and once more at the end.
 */

/** Peak growth over the starting point, in bytes. */
export interface MemoryPeak {
  rssBytes: number;
  heapBytes: number;
}

/** Runs `fn` and returns its result with the peak rss / heapUsed growth seen meanwhile. */
export async function withPeakMemory<T>(fn: () => Promise<T>, everyMs = 5): Promise<{ value: T; peak: MemoryPeak }> {
  const start = process.memoryUsage();
  let rss = start.rss;
  let heap = start.heapUsed;
  const sample = (): void => {
    const now = process.memoryUsage();
    if (now.rss > rss) rss = now.rss;
    if (now.heapUsed > heap) heap = now.heapUsed;
  };
  const timer = setInterval(sample, everyMs);
  try {
    const value = await fn();
    sample();
    return { value, peak: { rssBytes: rss - start.rss, heapBytes: heap - start.heapUsed } };
  } finally {
    clearInterval(timer);
  }
}
