import type { StepError } from './types.ts';

/**
 * The per-run cap on retained outputs. Every succeeded step's outputs stay in memory for the
 * templates of later steps and the run result; without a cap, 80 steps of 9 MB each grew the
 * process to ~2 GB and killed it (exit 3). Over the cap, the step that crossed it fails with
 * E_RUN_OUTPUTS_TOO_LARGE and its outputs are dropped, so the run ends with a clear error.
 */

/** Default `policy.limits.maxRunOutputBytes`: 256 MiB. */
export const DEFAULT_MAX_RUN_OUTPUT_BYTES = 256 * 1024 * 1024;

/** Approximate retained size of a JSON value: string lengths plus a little per scalar and key. */
function approximateBytes(value: unknown): number {
  let total = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'string') total += v.length;
    else if (typeof v === 'number' || typeof v === 'boolean' || v === null || v === undefined) total += 8;
    else if (v instanceof Uint8Array) total += v.byteLength;
    else if (Array.isArray(v)) for (const item of v) stack.push(item);
    else if (typeof v === 'object') {
      for (const [k, inner] of Object.entries(v as Record<string, unknown>)) {
        total += k.length;
        stack.push(inner);
      }
    }
  }
  return total;
}

/** Running total of one run's retained outputs. */
export class OutputBudget {
  private used = 0;

  constructor(private readonly limit: number) {}

  /** Charges a step's outputs; the error to fail it with when they would cross the cap. */
  charge(stepId: string, outputs: Readonly<Record<string, unknown>>): StepError | null {
    const size = approximateBytes(outputs);
    if (this.used + size <= this.limit) {
      this.used += size;
      return null;
    }
    return {
      code: 'E_RUN_OUTPUTS_TOO_LARGE',
      message: `step "${stepId}" produced ${size} bytes of outputs; with the ${this.used} bytes already retained the run would exceed its cap of ${this.limit} bytes (raise policy.limits.maxRunOutputBytes, or keep large data in files)`,
      details: { stepId, stepBytes: size, retainedBytes: this.used, limit: this.limit, allowWith: 'policy.limits.maxRunOutputBytes' },
    };
  }
}
