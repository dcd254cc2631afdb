import { isRustchainError } from '../errors.ts';
import type { StepError } from './types.ts';

/**
 * The StepError of anything a step threw: a RustchainError keeps its code and details;
 * anything else becomes E_STEP_FAILED with its message (plugins are not trusted to use codes).
 */
export function toStepError(error: unknown): StepError {
  if (isRustchainError(error)) {
    // A plain `{ code, message }` object (a plugin's own copy of the error shape) has no details.
    const details = isRecord(error.details) ? error.details : {};
    return Object.keys(details).length > 0
      ? { code: error.code, message: error.message, details: { ...details } }
      : { code: error.code, message: error.message };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'E_STEP_FAILED', message: message === '' ? 'the step failed' : message };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** True when retrying cannot help (the error says so). */
export function isNonRetryable(error: unknown): boolean {
  return isRustchainError(error) && error.nonRetryable === true;
}
