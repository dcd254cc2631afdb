/**
 * The pure chain check over the ledger text. "First bad seq" is defined per problem:
 * - modified: the line at position i does not parse, has a wrong shape, or its hash does not
 *   match its content → seq i (the seq that line should have). A line whose own hash is right
 *   but whose `prev` does not match its predecessor means the predecessor was rewritten with a
 *   recomputed hash → seq i - 1 (0 at the first line).
 * - missing: the line at position i carries a seq > i and no later line carries seq i → seq i.
 * - reordered: the line at position i carries a seq > i and seq i appears later → seq i.
 * - inserted: the line at position i carries a seq < i, i.e. a seq already used → that seq
 *   (for a forged line slipped in at position k with seq k, this is k).
 */
import { parseValidEvent } from './event-line.ts';
import type { LedgerEvent, VerifyProblem } from './types.ts';
import { GENESIS_HASH } from './types.ts';

/** What the chain check found. */
export interface ChainCheck {
  /** The valid prefix of events (all of them when `problem` is null). */
  events: LedgerEvent[];
  /** Complete ('\n'-terminated) lines. */
  lines: number;
  /** Bytes after the last '\n' (a torn last record), 0 when none. */
  tornBytes: number;
  problem: Extract<VerifyProblem, 'modified' | 'missing' | 'inserted' | 'reordered'> | null;
  firstBadSeq: number | null;
  message: string;
}

/** Check every complete line of the ledger text; stops at the first problem. */
export function checkChain(text: string): ChainCheck {
  const cut = text.lastIndexOf('\n');
  const body = cut < 0 ? '' : text.slice(0, cut);
  const tornBytes = Buffer.byteLength(text.slice(cut + 1));
  const lines = body === '' && cut < 0 ? [] : body.split('\n');
  const parsed = lines.map(parseValidEvent);
  const events: LedgerEvent[] = [];
  const fail = (problem: NonNullable<ChainCheck['problem']>, seq: number, message: string): ChainCheck =>
    ({ events, lines: lines.length, tornBytes, problem, firstBadSeq: seq, message });
  for (let i = 0; i < parsed.length; i++) {
    const event = parsed[i];
    const expectedPrev = i === 0 ? GENESIS_HASH : (events[i - 1] as LedgerEvent).hash;
    if (!event) return fail('modified', i, `line ${i + 1}: the event does not match its hash (seq ${i})`);
    if (event.seq === i && event.prev === expectedPrev) {
      events.push(event);
      continue;
    }
    if (event.seq > i) {
      const later = parsed.slice(i + 1).some((e) => e?.seq === i);
      return later
        ? fail('reordered', i, `line ${i + 1}: holds seq ${event.seq}; seq ${i} appears later`)
        : fail('missing', i, `line ${i + 1}: holds seq ${event.seq}; seq ${i} is missing`);
    }
    if (event.seq < i) return fail('inserted', event.seq, `line ${i + 1}: seq ${event.seq} appears again (an inserted event)`);
    const bad = Math.max(i - 1, 0);
    return fail('modified', bad, `line ${i + 1}: prev does not match the hash of seq ${bad}`);
  }
  return { events, lines: lines.length, tornBytes, problem: null, firstBadSeq: null, message: 'chain intact' };
}
