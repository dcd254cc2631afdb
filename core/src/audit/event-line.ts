/** Parsing one ledger line without trusting it. */
import { computeEventHash } from './hash.ts';
import { sortedKeys } from './sorted-keys.ts';
import type { LedgerEvent } from './types.ts';

const EVENT_KEYS = ['hash', 'payload', 'prev', 'runId', 'seq', 'ts', 'type'];

/**
 * True when `value` has exactly the event fields with the right types. Extra keys are
 * refused: the hash covers only the known fields, so an added field would go unnoticed.
 */
function isLedgerEventShape(value: unknown): value is LedgerEvent {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const keys = sortedKeys(value);
  if (keys.length !== EVENT_KEYS.length || keys.some((k, i) => k !== EVENT_KEYS[i])) return false;
  const e = value as Record<string, unknown>;
  return (
    Number.isSafeInteger(e.seq) && (e.seq as number) >= 0 &&
    typeof e.ts === 'string' && (e.runId === null || typeof e.runId === 'string') &&
    typeof e.type === 'string' && typeof e.prev === 'string' && typeof e.hash === 'string' &&
    typeof e.payload === 'object' && e.payload !== null && !Array.isArray(e.payload)
  );
}

/** A parsed line: the event when it is well-formed and its hash matches, else null. */
export function parseValidEvent(line: string): LedgerEvent | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return null;
  }
  if (!isLedgerEventShape(parsed)) return null;
  return computeEventHash(parsed) === parsed.hash ? parsed : null;
}
