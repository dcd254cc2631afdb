/**
 * Hashing of ledger events: SHA-256 over RFC 8785 canonical JSON. The serialiser is ours: it
 * produces exactly what the `canonicalize` package does (tests/core/audit/canonical.property.test.ts
 * holds the two equal on random values), without its per-value closures and string reduces,
 * which were a fifth of a ledger commit's CPU.
 */
import { hash } from 'node:crypto';
import type { LedgerEvent } from './types.ts';

/** RFC 8785 canonical JSON text of a JSON value. */
export function canonicalJson(value: unknown): string {
  const text = serialize(value);
  if (text === undefined) throw new TypeError('value has no JSON representation');
  return text;
}

/**
 * `canonicalize`'s algorithm, step for step (its edge cases included, so that any value hashes
 * as it did): NaN and ±Infinity throw; `toJSON` is honoured; in arrays undefined and symbols
 * become null and holes are skipped (its `reduce`); in objects, keys sorted by UTF-16 code
 * units, undefined and symbol values dropped; strings, numbers, booleans by JSON.stringify.
 */
function serialize(value: unknown): string | undefined {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (Number.isNaN(value)) throw new Error('NaN is not allowed');
    if (!Number.isFinite(value)) throw new Error('Infinity is not allowed');
    return JSON.stringify(value);
  }
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  const object = value as Record<string, unknown> & { toJSON?: unknown };
  if (object.toJSON instanceof Function) return serialize((object as { toJSON: () => unknown }).toJSON());
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (!(i in value)) continue;
      const item: unknown = value[i];
      if (i > 0) out += ',';
      out += serialize(item === undefined || typeof item === 'symbol' ? null : item);
    }
    return `${out}]`;
  }
  const keys = Object.keys(object).sort();
  let out = '{';
  for (const key of keys) {
    const item = object[key];
    if (item === undefined || typeof item === 'symbol') continue;
    if (out.length > 1) out += ',';
    out += `${JSON.stringify(key)}:${serialize(item)}`;
  }
  return `${out}}`;
}

/** SHA-256 hex of a string or bytes. */
export function sha256Hex(data: string | Uint8Array): string {
  // The one-shot hash: no Hash object per call (most inputs here are a few hundred bytes).
  return hash('sha256', data, 'hex');
}

/** SHA-256 hex of the canonical JSON of a value (used for output and artifact digests). */
export function digestJson(value: unknown): string {
  return sha256Hex(canonicalJson(value));
}

/** The hash an event must carry: over every field except `hash` itself. */
export function computeEventHash(event: Omit<LedgerEvent, 'hash'> | LedgerEvent): string {
  const { seq, ts, runId, type, payload, prev } = event;
  // The usual shape, written out in canonical key order (payload, prev, runId, seq, ts, type):
  // no object, key list or sort per event. Anything else takes the general path.
  if (typeof seq === 'number' && Number.isFinite(seq) && typeof ts === 'string' && typeof type === 'string' && typeof prev === 'string' &&
    (runId === null || typeof runId === 'string') && payload !== undefined && typeof payload !== 'symbol') {
    return sha256Hex(`{"payload":${serialize(payload)},"prev":${JSON.stringify(prev)},"runId":${runId === null ? 'null' : JSON.stringify(runId)},"seq":${JSON.stringify(seq)},"ts":${JSON.stringify(ts)},"type":${JSON.stringify(type)}}`);
  }
  return digestJson({ seq, ts, runId, type, payload, prev });
}
