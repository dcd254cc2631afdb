/**
 * Hashing of ledger events: SHA-256 over RFC 8785 canonical JSON. The serialiser is ours: it
 * produces exactly what the `canonicalize` package does (tests/core/audit/canonical.property.test.ts
 * holds the two equal on random values), without its per-value closures and string reduces,
 * which were a fifth of a ledger commit's CPU.
 */
import { hash } from 'node:crypto';
import { sortedKeys } from './sorted-keys.ts';
import type { LedgerEvent } from './types.ts';

/** RFC 8785 canonical JSON text of a JSON value. */
export function canonicalJson(value: unknown): string {
  const text = canonicalText(value);
  if (text === undefined) throw new TypeError('value has no JSON representation');
  return text;
}

/**
 * The canonical text, or undefined where `serialize` gives none: plain data already in
 * canonical key order (a payload the ledger built, or parsed back from a line it wrote) is one
 * JSON.stringify, anything else the walk.
 */
function canonicalText(value: unknown): string | undefined {
  return isPlainSorted(value) ? JSON.stringify(value) : serialize(value);
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
  const keys = sortedKeys(object);
  let out = '{';
  for (const key of keys) {
    const item = object[key];
    if (item === undefined || typeof item === 'symbol') continue;
    if (out.length > 1) out += ',';
    out += `${JSON.stringify(key)}:${serialize(item)}`;
  }
  return `${out}}`;
}

/** Quoted strings that recur in every event (payload keys, run id, event type), made once. */
const QUOTED_MAX = 1024;
const quoted = new Map<string, string>();

/** `JSON.stringify(text)` for a string that recurs: cached (up to QUOTED_MAX of them) instead of a new string per event. */
export function quoteRecurring(text: string): string {
  let json = quoted.get(text);
  if (json === undefined) {
    json = JSON.stringify(text);
    if (quoted.size < QUOTED_MAX) quoted.set(text, json);
  }
  return json;
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

/**
 * RFC 8785 canonical text of `value` when it is plain JSON data, which JSON.parse reads back to
 * the value JSON.stringify's text gives; else undefined. Plain data: strings, finite numbers,
 * booleans, null, dense arrays and objects whose prototype is Object.prototype or null, without
 * a `toJSON` method, nested; undefined and symbols as JSON.stringify drops (in objects) or nulls
 * (in arrays) them. On that domain the text is exactly `canonicalJson`'s (the same code paths),
 * so a ledger line can carry the text its hash was computed over. Anything else (functions,
 * holes, NaN, bigints, Dates, class instances, boxed primitives) is left to the general path.
 */
export function plainCanonicalJson(value: unknown): string | undefined {
  return isPlainSorted(value) ? JSON.stringify(value) : walkPlainCanonical(value);
}

/**
 * Whether `value` is plain JSON data (as `plainCanonicalJson` defines it) whose objects already
 * hold their keys in canonical order: then JSON.stringify, one native call making one flat
 * string, writes exactly the canonical text. The ledger's own payloads are built in that order
 * (run-events.ts), so most events take this path; anything else gets false and the walk below.
 * Walks without allocating (for-in, no key arrays).
 */
export function isPlainSorted(value: unknown): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value);
    case 'object':
      break;
    default:
      return false;
  }
  if (value === null) return true;
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      if (!(i in value)) return false;
      const item: unknown = value[i];
      // JSON.stringify writes null for these in arrays, as the canonical walk does.
      if (item === undefined || typeof item === 'symbol') continue;
      if (!isPlainSorted(item)) return false;
    }
    return true;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;
  const object = value as Record<string, unknown>;
  let previous: string | null = null;
  for (const key in object) {
    // An enumerable inherited key (a polluted Object.prototype) is not the object's own data.
    if (!Object.hasOwn(object, key)) return false;
    if (previous !== null && !(previous < key)) return false;
    previous = key;
    const item = object[key];
    if (item === undefined || typeof item === 'symbol') continue;
    if (!isPlainSorted(item)) return false;
  }
  return true;
}

/**
 * Payloads whose builder makes them plain-sorted by construction (run-events.ts: literal keys in
 * canonical order, values it has checked are strings and finite numbers): seal.ts takes their
 * JSON.stringify without the isPlainSorted walk, which was ~2.5 µs of CPU per step of a short
 * CLI run (cold code, with its own compilation). Membership is by identity, so a copy (a payload
 * the redactor rewrote) is walked as before; tests/core/audit/run-events.property.test.ts holds
 * every marked payload plain-sorted.
 */
const builtSorted = new WeakSet<object>();

/** Mark `payload` as plain-sorted by construction (see builtSorted); returns it. */
export function markBuiltSorted<T extends object>(payload: T): T {
  builtSorted.add(payload);
  return payload;
}

/** Whether `payload` was marked by markBuiltSorted. */
export function isBuiltSorted(payload: unknown): boolean {
  return typeof payload === 'object' && payload !== null && builtSorted.has(payload);
}

/** `plainCanonicalJson` by walking, keys sorted here (for a value `isPlainSorted` refused). */
export function walkPlainCanonical(value: unknown): string | undefined {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') return Number.isFinite(value) ? JSON.stringify(value) : undefined;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (value === null) return 'null';
  if (typeof value !== 'object') return undefined;
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return undefined;
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (!(i in value)) return undefined;
      const item: unknown = value[i];
      const text = item === undefined || typeof item === 'symbol' ? 'null' : walkPlainCanonical(item);
      if (text === undefined) return undefined;
      out += i > 0 ? `,${text}` : text;
    }
    return `${out}]`;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return undefined;
  const object = value as Record<string, unknown>;
  const keys = sortedKeys(object);
  let out = '{';
  for (const key of keys) {
    const item = object[key];
    if (item === undefined || typeof item === 'symbol') continue;
    const text = walkPlainCanonical(item);
    if (text === undefined) return undefined;
    out += `${out.length > 1 ? ',' : ''}${quoteRecurring(key)}:${text}`;
  }
  return `${out}}`;
}

/** The JSON texts of an event's fields (the payload's canonical), for `eventBaseText`. */
export interface EventFieldTexts {
  seq: string;
  ts: string;
  runId: string;
  type: string;
  payload: string;
  prev: string;
}

/** Canonical JSON of an event without `hash`, from its fields' texts: keys in canonical order. */
export function eventBaseText(f: EventFieldTexts): string {
  return `{"payload":${f.payload},"prev":${f.prev},"runId":${f.runId},"seq":${f.seq},"ts":${f.ts},"type":${f.type}}`;
}

/** True when the event's fields other than the payload have the usual types (the fast paths). */
export function hasUsualFields(event: Omit<LedgerEvent, 'hash'>): boolean {
  const { seq, ts, runId, type, prev } = event;
  return typeof seq === 'number' && Number.isFinite(seq) && typeof ts === 'string' && typeof type === 'string' && typeof prev === 'string' &&
    (runId === null || typeof runId === 'string');
}

/** The hash an event must carry: over every field except `hash` itself. */
export function computeEventHash(event: Omit<LedgerEvent, 'hash'> | LedgerEvent): string {
  const { seq, ts, runId, type, payload, prev } = event;
  // The usual shape, written out in canonical key order (payload, prev, runId, seq, ts, type):
  // no object, key list or sort per event. Anything else takes the general path.
  if (hasUsualFields(event) && payload !== undefined && typeof payload !== 'symbol') {
    return sha256Hex(eventBaseText({
      seq: JSON.stringify(seq), ts: JSON.stringify(ts), runId: runId === null ? 'null' : JSON.stringify(runId),
      type: JSON.stringify(type), payload: canonicalText(payload) as string, prev: JSON.stringify(prev),
    }));
  }
  return digestJson({ seq, ts, runId, type, payload, prev });
}
