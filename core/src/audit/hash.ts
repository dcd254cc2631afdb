/** Hashing of ledger events: SHA-256 over RFC 8785 canonical JSON. */
import { createHash } from 'node:crypto';
import canonicalizeModule from 'canonicalize';
import type { LedgerEvent } from './types.ts';

// canonicalize ships CJS with an ESM-style d.ts; normalise both shapes once.
const canonicalizeFn = ((canonicalizeModule as unknown as { default?: unknown }).default ??
  canonicalizeModule) as (input: unknown) => string | undefined;

/** RFC 8785 canonical JSON text of a JSON value. */
export function canonicalJson(value: unknown): string {
  const text = canonicalizeFn(value);
  if (text === undefined) throw new TypeError('value has no JSON representation');
  return text;
}

/** SHA-256 hex of a string or bytes. */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** SHA-256 hex of the canonical JSON of a value (used for output and artifact digests). */
export function digestJson(value: unknown): string {
  return sha256Hex(canonicalJson(value));
}

/** The hash an event must carry: over every field except `hash` itself. */
export function computeEventHash(event: Omit<LedgerEvent, 'hash'> | LedgerEvent): string {
  const { seq, ts, runId, type, payload, prev } = event;
  return digestJson({ seq, ts, runId, type, payload, prev });
}
