import type { StepError } from './types.ts';

/**
 * The per-run cap on retained outputs. Every succeeded step's outputs stay in memory for the
 * templates of later steps and the run result; without a cap, 80 steps of 9 MB each grew the
 * process to ~2 GB and killed it (exit 3). Over the cap, the step that crossed it fails with
 * E_RUN_OUTPUTS_TOO_LARGE and its outputs are dropped, so the run ends with a clear error.
 */

/** Default `policy.limits.maxRunOutputBytes`: 256 MiB. */
export const DEFAULT_MAX_RUN_OUTPUT_BYTES = 256 * 1024 * 1024;

/**
 * Approximate retained size of a JSON value: string lengths plus a little per scalar and key.
 * A flat object (most outputs, and every `{}`) is summed in place; only nested objects and
 * arrays go on a stack (an explicit one, so deep values cannot overflow the call stack).
 * Before, every step's outputs cost a stack array and an Object.entries array of pairs.
 */
export function approximateBytes(value: unknown): number {
  let total = 0;
  let stack: object[] | undefined;
  let v: unknown = value;
  for (;;) {
    if (typeof v !== 'object' || v === null) total += scalarBytes(v);
    else if (v instanceof Uint8Array) total += v.byteLength;
    else if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const item: unknown = v[i];
        if (typeof item === 'object' && item !== null) (stack ??= []).push(item);
        else total += scalarBytes(item);
      }
    } else {
      const record = v as Record<string, unknown>;
      for (const key in record) {
        if (!Object.hasOwn(record, key)) continue; // own enumerable keys, as Object.entries
        total += key.length;
        const inner = record[key];
        if (typeof inner === 'object' && inner !== null) (stack ??= []).push(inner);
        else total += scalarBytes(inner);
      }
    }
    if (stack === undefined || stack.length === 0) return total;
    v = stack.pop();
  }
}

/** A string's length, 8 for a number, boolean, null or undefined, 0 for anything else. */
function scalarBytes(v: unknown): number {
  if (typeof v === 'string') return v.length;
  return typeof v === 'number' || typeof v === 'boolean' || v === null || v === undefined ? 8 : 0;
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
