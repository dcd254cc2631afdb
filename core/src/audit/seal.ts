/**
 * Sealing an event for the ledger: its hash, and its line. A line is the very text the hash
 * covers — the event's canonical JSON without `hash` (RFC 8785: keys payload, prev, runId, seq,
 * ts, type) — with `"hash"` appended as the last key, so anyone can check a line with a SHA-256
 * of the line minus its hash field. A payload of plain JSON data already in canonical key
 * order (the ledger builds its own payloads that way, run-events.ts) is one JSON.stringify;
 * other plain data is walked (hash.ts). A payload that is not plain JSON data (a Date, a class
 * instance) is hashed by the general canonical serialiser and its line is JSON.stringify's, as
 * before. Readers parse lines, so every layout ever written verifies.
 */
import { computeEventHash, eventBaseText, hasUsualFields, isBuiltSorted, isPlainSorted, quoteRecurring, sha256Hex, walkPlainCanonical } from './hash.ts';
import type { LineBuffer } from './line-buffer.ts';
import type { LedgerEvent } from './types.ts';

/** Appended after the canonical text (without its closing brace): the hash, last. */
const HASH_OPEN = ',"hash":"';
const LINE_END = '"}\n';

/**
 * The canonical text the hash covers, when the line is that text plus the hash (`{ base }`:
 * plain data; the caller hashes it), else the whole line with `event.hash` filled in (`{ line }`).
 */
function seal(event: LedgerEvent): { base: string; line?: undefined } | { line: string; base?: undefined } {
  if (hasUsualFields(event)) {
    const { payload, prev, runId, seq, ts, type } = event;
    const text = isBuiltSorted(payload) || isPlainSorted(payload) ? JSON.stringify(payload) : walkPlainCanonical(payload);
    if (text !== undefined) {
      // The other fields' texts are small and mostly recurring (a batch shares its ts, a run its
      // id): assembled here, not by a JSON.stringify of the whole event (~40 % slower).
      // `prev` is nearly always the hash sealed just before (hex: quoted as is), and a finite
      // number's JSON is its string: two JSON.stringify calls per event saved (~0.3 µs).
      const prevText = prev === lastSealedHash ? `"${prev}"` : JSON.stringify(prev);
      return { base: eventBaseText({ payload: text, prev: prevText, runId: runId === null ? 'null' : quoteRecurring(runId), seq: `${seq}`, ts: quotedTs(ts), type: quoteRecurring(type) }) };
    }
  }
  event.hash = computeEventHash(event);
  return { line: `${JSON.stringify(event)}\n` };
}

/** The hash sealEventInto computed last (SHA-256 hex, so its JSON is itself in quotes). */
let lastSealedHash = '';

/** The last timestamp quoted: every event of a batch has the same one. */
let lastTs = '';
let lastTsJson = '""';
function quotedTs(ts: string): string {
  if (ts !== lastTs) {
    lastTs = ts;
    lastTsJson = JSON.stringify(ts);
  }
  return lastTsJson;
}

/** Fill in `event.hash` and append the event's ledger line to `out` (no line string is made). */
export function sealEventInto(event: LedgerEvent, out: LineBuffer): void {
  const { base, line } = seal(event);
  if (line !== undefined) {
    out.append(line);
    return;
  }
  // Hashed as the UTF-8 bytes just written: the text is encoded once, and never flattened
  // into one string only to be hashed (JSON text is well-formed, so its bytes are what a hash
  // of the string would encode).
  const start = out.size;
  out.append(base);
  event.hash = sha256Hex(out.bytesFrom(start));
  lastSealedHash = event.hash;
  out.dropLast(1); // the closing brace: the hash goes in before it
  out.appendAscii(HASH_OPEN);
  out.appendAscii(event.hash);
  out.appendAscii(LINE_END);
}
