import { Type } from '@sinclair/typebox';
import { definePlugin } from '@rustchain/core';

/** Bench-only step type `bench_wait`: waits `ms` milliseconds, honouring ctx.signal. */
export const waitPlugin = definePlugin({
  type: 'bench_wait',
  description: 'Waits a number of milliseconds (benchmark only).',
  params: Type.Object({ ms: Type.Integer({ minimum: 0 }) }),
  outputs: Type.Object({}),
  capabilities: [],
  effect: 'pure',
  run: (params, ctx) =>
    new Promise<Record<string, never>>((resolve, reject) => {
      if (ctx.signal.aborted) {
        reject(ctx.signal.reason);
        return;
      }
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(ctx.signal.reason);
      };
      const timer = setTimeout(() => {
        ctx.signal.removeEventListener('abort', onAbort);
        resolve({});
      }, params.ms);
      ctx.signal.addEventListener('abort', onAbort, { once: true });
    }),
});

/** The raw baseline of one wait: a bare timer promise. */
export function rawWait(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
