import { Type } from '@sinclair/typebox';
import { definePlugin } from '@rustchain/core';

const done = (): Record<string, never> => ({});

/**
 * Bench-only step type `bench_wait`: waits `ms` milliseconds the way a real wait step should,
 * with ctx.sleep (stopped by the step's timeout or the run's cancellation, and no AbortSignal
 * built for it). A hand-made ctx without sleep falls back to a timer on ctx.signal.
 */
export const waitPlugin = definePlugin({
  type: 'bench_wait',
  description: 'Waits a number of milliseconds (benchmark only).',
  params: Type.Object({ ms: Type.Integer({ minimum: 0 }) }),
  outputs: Type.Object({}),
  capabilities: [],
  effect: 'pure',
  run: (params, ctx) => (ctx.sleep !== undefined ? ctx.sleep(params.ms) : signalWait(params.ms, ctx.signal)).then(done),
});

function signalWait(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** The raw baseline of one wait: a bare timer promise. */
export function rawWait(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
