import type { RetryPolicy } from '../model/mission.ts';

/**
 * Delay in ms before the attempt after `failedAttempt` (1-based): delaySeconds * factor^(n-1)
 * (or delaySeconds when fixed), capped by maxDelaySeconds; with jitter, uniform in [d/2, d]
 * so simultaneous retries of many steps do not stampede together.
 */
export function retryDelayMs(policy: RetryPolicy, failedAttempt: number, random: () => number): number {
  const base = policy.backoff === 'fixed' ? policy.delaySeconds : policy.delaySeconds * policy.factor ** (failedAttempt - 1);
  const capped = Math.min(base, policy.maxDelaySeconds) * 1000;
  const delay = policy.jitter ? capped / 2 + random() * (capped / 2) : capped;
  return Math.round(delay);
}

/** setTimeout as a promise that rejects with the signal's reason on abort, leaving no timer behind. */
export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
