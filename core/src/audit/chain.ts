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

/** Where a walk starts: after the event (seq, hash), or at the genesis. */
export interface ChainAnchor {
  seq: number;
  hash: string;
}

/** The result of a walk: how far the chain is intact and the first problem. */
export interface WalkResult {
  /** Events accepted (seq of the last accepted one + 1, counting from the anchor). */
  next: number;
  last: LedgerEvent | null;
  problem: ChainCheck['problem'];
  firstBadSeq: number | null;
  message: string;
}

/**
 * The chain check one line at a time, in bounded memory (the same rules and first-bad-seq as
 * described above). `feed` returns false once the result is decided; after a seq that jumps
 * ahead it keeps returning true while it looks for the skipped seq further on (reordered
 * versus missing), parsing but keeping nothing.
 */
export class ChainWalker {
  private i: number;
  private prev: string;
  private last: LedgerEvent | null = null;
  private lines = 0;
  private decided: WalkResult | null = null;
  private lookingFor: { seq: number; line: number; holds: number } | null = null;

  constructor(private readonly options: { from?: ChainAnchor | null; onEvent?: (event: LedgerEvent) => void } = {}) {
    const from = options.from ?? null;
    this.i = from === null ? 0 : from.seq + 1;
    this.prev = from === null ? GENESIS_HASH : from.hash;
  }

  /** Check the next complete line; false once the result is decided. */
  feed(line: string): boolean {
    if (this.decided !== null) return false;
    this.lines++;
    const event = parseValidEvent(line);
    const look = this.lookingFor;
    if (look !== null) {
      if (event?.seq === look.seq) return this.fail('reordered', look.seq, `line ${look.line}: holds seq ${look.holds}; seq ${look.seq} appears later`);
      return true;
    }
    const i = this.i;
    const lineNo = this.lines;
    if (!event) return this.fail('modified', i, `line ${lineNo}: the event does not match its hash (seq ${i})`);
    if (event.seq === i && event.prev === this.prev) {
      this.i++;
      this.prev = event.hash;
      this.last = event;
      this.options.onEvent?.(event);
      return true;
    }
    if (event.seq > i) {
      this.lookingFor = { seq: i, line: lineNo, holds: event.seq };
      return true;
    }
    if (event.seq < i) return this.fail('inserted', event.seq, `line ${lineNo}: seq ${event.seq} appears again (an inserted event)`);
    const bad = Math.max(i - 1, 0);
    return this.fail('modified', bad, `line ${lineNo}: prev does not match the hash of seq ${bad}`);
  }

  /** The result once every line was fed (or `feed` returned false). */
  finish(): WalkResult {
    if (this.decided !== null) return this.decided;
    const look = this.lookingFor;
    if (look !== null) {
      this.fail('missing', look.seq, `line ${look.line}: holds seq ${look.holds}; seq ${look.seq} is missing`);
      return this.decided as unknown as WalkResult;
    }
    return { next: this.i, last: this.last, problem: null, firstBadSeq: null, message: 'chain intact' };
  }

  private fail(problem: NonNullable<ChainCheck['problem']>, seq: number, message: string): false {
    this.decided = { next: this.i, last: this.last, problem, firstBadSeq: seq, message };
    return false;
  }
}
