/**
 * `verifyLedger`: the chain check, then the torn-tail check, then the signed head.
 * Head rules (L = complete events): a missing or badly signed head (or one signed by another
 * key) → bad-signature at head.seq (0 when there is no readable head); head.seq ≥ L →
 * truncated at L (the first missing seq); the event at head.seq has another hash →
 * modified (E_AUDIT_HEAD_MISMATCH) at head.seq — this is how a re-chained ledger is caught;
 * head.seq < L - 1 → head-behind at head.seq + 1 (E_AUDIT_UNSIGNED_TAIL): events written after
 * the last signing. A crash between append and head write leaves this, and so does a run in
 * progress — but so would events appended by someone with write access and no key, since the
 * chain alone needs no key. So it is not `ok`: the unsigned events are unauthenticated until
 * `audit verify --repair` (after a look at them) or the next writer re-signs.
 * Then the head log (head-log.ts): every head ever signed must agree with the ledger and with
 * each other (not-monotonic, fork, modified/truncated at the lowest contradicted seq), and a
 * head.json that links to a predecessor (`prevHead`) must itself be in the log.
 * Then the witnesses: the head kept beside the key (kept-head.ts) and any anchored heads
 * (anchor.ts) — a ledger that no longer reaches one, or holds another hash at its seq, is
 * rolled-back (E_AUDIT_ROLLBACK); an absent ledger with a witness is E_AUDIT_MISSING. A
 * consistent roll-back of ledger, head.json and heads.jsonl passes every earlier check.
 *
 * Streaming: the segments and the head log are read a chunk of lines at a time (memory does
 * not grow with the ledger), against a snapshot of their sizes taken under the writer lock, so
 * runs keep appending while a long verify runs. `since` starts at a signed head from the log
 * (its signature checked, the event at its seq must carry its hash) instead of the genesis.
 */
import type { KeyObject } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { ChainWalker, type ChainAnchor } from './chain.ts';
import { parseValidEvent } from './event-line.ts';
import { headSignatureValid, isLedgerHead, readHead, type HeadRead } from './head.ts';
import { keptHeadPath, readKeptHead } from './kept-head.ts';
import { readTrustedPublicKey, toPublicKey } from './keys.ts';
import { enqueue } from './ledger.ts';
import { readLineChunks } from './line-reader.ts';
import { withLedgerLock } from './lock.ts';
import { auditPaths, segmentPath, type AuditPaths } from './paths.ts';
import { listSegments } from './segments.ts';
import type { LedgerHead, VerifyReport } from './types.ts';

/** Progress of a verify: bytes of ledger read so far out of the total, and events checked. */
export interface VerifyProgress {
  bytes: number;
  totalBytes: number;
  events: number;
}

/** Options of `verifyLedger`. */
export interface VerifyOptions {
  /** The key to trust; default: the state dir's own key. */
  publicKey?: KeyObject | string;
  /**
   * Check incrementally: from the last signed head at or before this seq, the first event of
   * this segment, or (`'last'`) the head the previous ok verify reached (audit/verified.json).
   */
  since?: number | { segment: number } | 'last';
  /**
   * Signed heads published elsewhere (`audit anchor`, see anchor.ts): the ledger must reach each
   * (else E_AUDIT_ROLLBACK, or E_AUDIT_MISSING when it is gone). The kept head beside the key
   * is always one of them unless `keptHead` is false.
   */
  witnesses?: readonly Witness[];
  /** Check against `<keyDir>/latest-head.json` (default true). */
  keptHead?: boolean;
  /** Called after each chunk of lines (about 1 MiB). */
  onProgress?: (progress: VerifyProgress) => void;
}

/** A signed head kept or published outside the state dir, and where it came from (for messages). */
export interface Witness {
  source: string;
  /** The head as read; null when the source holds something that is not a head. */
  head: LedgerHead | null;
}

/** What was read under the lock: every size is frozen here, later appends are not looked at. */
interface Snapshot {
  segments: Array<{ n: number; size: number }>;
  head: HeadRead;
  headsSize: number;
}

const sizeOf = (path: string): Promise<number> =>
  fs.stat(path).then((s) => s.size, (e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return 0;
    throw e;
  });

async function takeSnapshot(paths: AuditPaths): Promise<Snapshot> {
  const numbers = await listSegments(paths);
  const segments = await Promise.all(numbers.map(async (n) => ({ n, size: await sizeOf(segmentPath(paths, n)) })));
  return { segments, head: await readHead(paths.head), headsSize: await sizeOf(paths.heads) };
}

/** Where the last ok verify got to (a hint for `since: 'last'`; the head log is what is trusted). */
function checkpointPath(paths: AuditPaths): string {
  return join(paths.dir, 'verified.json');
}

/** Verify the ledger and head of a state dir. Never throws for tampering; reports it. */
export async function verifyLedger(stateDir: string, options: VerifyOptions = {}): Promise<VerifyReport> {
  const paths = auditPaths(stateDir);
  const dirExists = await fs.stat(paths.dir).then(() => true, () => false);
  let writable = true;
  // Sizes are read under the writer lock so a concurrent append is never mistaken for a torn tail.
  const locked = () => enqueue(paths.ledger, () => withLedgerLock(paths, () => takeSnapshot(paths))).catch((error: { details?: { errno?: unknown } }) => {
    // A ledger on read-only media (an archive, a mounted copy) is verified without the lock.
    if (['EACCES', 'EROFS', 'EPERM'].includes(String(error.details?.errno))) {
      writable = false;
      return takeSnapshot(paths);
    }
    throw error;
  });
  const snap = dirExists ? await locked() : await takeSnapshot(paths);
  const trusted = options.publicKey === undefined ? await readTrustedPublicKey(stateDir) : toPublicKey(options.publicKey);
  const witnesses = [...(options.witnesses ?? [])];
  if (options.keptHead !== false) {
    const kept = await readKeptHead(stateDir).catch((): HeadRead => ({ kind: 'invalid' }));
    if (kept.kind !== 'missing') witnesses.unshift({ source: keptHeadPath(stateDir), head: kept.kind === 'ok' ? kept.head : null });
  }
  const report = await check(paths, snap, trusted, { ...options, witnesses });
  if (report.ok && writable && report.head !== null) {
    const hint = JSON.stringify({ seq: report.head.seq, hash: report.head.hash, ts: new Date().toISOString() });
    await fs.writeFile(checkpointPath(paths), `${hint}\n`).catch(() => undefined);
  }
  return report;
}

/** The first seq of a segment (null when it is empty or its first line is not an event). */
async function firstSeqOf(path: string): Promise<number | null> {
  for await (const chunk of readLineChunks(path)) {
    if ('torn' in chunk) return null;
    const first = chunk.lines[0];
    try {
      const seq = (JSON.parse(first ?? '') as { seq?: unknown }).seq;
      return typeof seq === 'number' ? seq : null;
    } catch {
      return null;
    }
  }
  return null;
}

/** First pass over the head log: signatures, monotonic seq/ts, no fork; the anchor for `since`. */
async function scanHeadLog(paths: AuditPaths, snap: Snapshot, trusted: KeyObject | null, sinceSeq: number | null) {
  const headJson = snap.head.kind === 'ok' ? snap.head.head : null;
  let problem: { problem: VerifyReport['problem']; code: VerifyReport['code']; seq: number; message: string } | null = null;
  let before: LedgerHead | null = null;
  let anchor: LedgerHead | null = null;
  let logged = false;
  let line = 0;
  outer: for await (const chunk of readLineChunks(paths.heads, snap.headsSize)) {
    if ('torn' in chunk) break; // a torn last line of the log is dropped
    for (const raw of chunk.lines) {
      line++;
      let head: LedgerHead | null = null;
      try {
        const parsed: unknown = JSON.parse(raw);
        head = isLedgerHead(parsed) ? parsed : null;
      } catch {
        head = null;
      }
      const skip = sinceSeq !== null && head !== null && head.seq <= sinceSeq;
      if (head === null) {
        problem = badSignature(0, line);
        break outer;
      }
      // A line out of order is first checked for its signature (and the one before it): a
      // forged line is bad-signature, a signed one a real fork or roll-back.
      const outOfOrder = before !== null && ((before.seq === head.seq && before.hash !== head.hash) || head.seq < before.seq || head.ts < before.ts);
      if (outOfOrder && !signedBy(head, trusted)) {
        problem = badSignature(head.seq, line);
        break outer;
      }
      if (outOfOrder && before !== null && !signedBy(before, trusted)) {
        problem = badSignature(before.seq, line - 1);
        break outer;
      }
      if (before !== null && before.seq === head.seq && before.hash !== head.hash) {
        problem = { problem: 'fork', code: 'E_AUDIT_FORK', seq: head.seq, message: `heads.jsonl line ${line}: two signed heads name different hashes for seq ${head.seq}` };
        break outer;
      }
      if (before !== null && (head.seq < before.seq || head.ts < before.ts)) {
        const what = head.seq < before.seq ? `seq ${head.seq} after seq ${before.seq}` : `ts ${head.ts} after ts ${before.ts}`;
        problem = { problem: 'not-monotonic', code: 'E_AUDIT_HEAD_NOT_MONOTONIC', seq: head.seq, message: `heads.jsonl line ${line}: ${what}` };
        break outer;
      }
      if (skip) anchor = head;
      if (headJson !== null && head.signature === headJson.signature) logged = true;
      before = head;
    }
  }
  if (anchor !== null && (trusted === null || !headSignatureValid(anchor, trusted))) anchor = null;
  return { problem, anchor, logged };
}

/** Logged heads from seq `from` on, in order (the log is monotonic once scanHeadLog passed), with their 1-based line. */
async function* loggedHeads(paths: AuditPaths, size: number, from: number): AsyncGenerator<LoggedAt> {
  let line = 0;
  for await (const chunk of readLineChunks(paths.heads, size)) {
    if ('torn' in chunk) return;
    for (const raw of chunk.lines) {
      line++;
      const head = JSON.parse(raw) as LedgerHead;
      if (head.seq >= from) yield { seq: head.seq, hash: head.hash, head, line };
    }
  }
}

/** A logged head and its line in heads.jsonl. */
interface LoggedAt {
  seq: number;
  hash: string;
  head: LedgerHead;
  line: number;
}

/**
 * Signatures of logged heads are checked where they matter: a logged head that names the hash
 * the chain has at its seq vouches for nothing the chain and head.json do not already prove,
 * so only heads that disagree with the ledger or with the log's order pay an Ed25519 verify
 * (a log of a million per-batch heads would otherwise cost minutes).
 */
function signedBy(head: LedgerHead, trusted: KeyObject | null): boolean {
  return trusted !== null && headSignatureValid(head, trusted);
}

function badSignature(seq: number, line: number): { problem: 'bad-signature'; code: 'E_AUDIT_HEAD_SIGNATURE'; seq: number; message: string } {
  return { problem: 'bad-signature', code: 'E_AUDIT_HEAD_SIGNATURE', seq, message: `heads.jsonl line ${line} is not a head signed by the trusted key` };
}

async function resolveSince(paths: AuditPaths, snap: Snapshot, since: VerifyOptions['since']): Promise<number | null> {
  if (since === undefined) return null;
  if (typeof since === 'number') return since;
  if (since === 'last') {
    const text = await fs.readFile(checkpointPath(paths), 'utf8').catch(() => null);
    const seq = text === null ? null : (JSON.parse(text) as { seq?: unknown }).seq;
    return typeof seq === 'number' ? seq : null;
  }
  const segment = snap.segments.find((s) => s.n === since.segment);
  return segment === undefined ? null : firstSeqOf(segmentPath(paths, segment.n));
}

async function check(paths: AuditPaths, snap: Snapshot, trusted: KeyObject | null, options: VerifyOptions): Promise<VerifyReport> {
  const sinceSeq = await resolveSince(paths, snap, options.since);
  const log = await scanHeadLog(paths, snap, trusted, sinceSeq);
  const anchor: ChainAnchor | null = log.anchor === null ? null : { seq: log.anchor.seq, hash: log.anchor.hash };
  const head = snap.head;
  const h = head.kind === 'ok' ? head.head : null;

  // Pick the segment the walk starts in: the last one whose first seq is at or before the anchor.
  let startIndex = 0;
  if (anchor !== null) {
    for (let k = snap.segments.length - 1; k > 0; k--) {
      const first = await firstSeqOf(segmentPath(paths, snap.segments[k]!.n));
      if (first !== null && first <= anchor.seq) {
        startIndex = k;
        break;
      }
    }
  }

  // The logged heads ahead of the walk, refilled between chunks (a chunk of L lines accepts at most L seqs).
  const upcoming: LoggedAt[] = [];
  const headsIter = log.problem === null ? loggedHeads(paths, snap.headsSize, anchor === null ? 0 : anchor.seq + 1) : null;
  let headsDone = headsIter === null;
  let contradiction: LoggedAt | null = null;
  let hashAtHead: string | null = null;
  const refill = async (upTo: number): Promise<void> => {
    while (!headsDone && (upcoming.length === 0 || upcoming[upcoming.length - 1]!.seq <= upTo)) {
      const next = await headsIter!.next();
      if (next.done === true) headsDone = true;
      else upcoming.push(next.value);
    }
  };
  let cursor = 0;
  const witnessSeqs = new Map<number, string | null>();
  for (const w of options.witnesses ?? []) if (w.head !== null) witnessSeqs.set(w.head.seq, null);
  const walker = new ChainWalker({
    from: anchor,
    onEvent: (event) => {
      if (h !== null && event.seq === h.seq) hashAtHead = event.hash;
      if (witnessSeqs.has(event.seq)) witnessSeqs.set(event.seq, event.hash);
      while (cursor < upcoming.length && upcoming[cursor]!.seq <= event.seq) {
        const logged = upcoming[cursor]!;
        if (logged.seq === event.seq && logged.hash !== event.hash && contradiction === null) contradiction = logged;
        cursor++;
      }
    },
  });
  if (anchor !== null && h !== null && h.seq === anchor.seq) hashAtHead = anchor.hash;

  const totalBytes = snap.segments.slice(startIndex).reduce((sum, s) => sum + s.size, 0);
  let bytes = 0;
  let tornBytes = 0;
  let seekingAnchor = anchor !== null;
  let anchorProblem: string | null = null;
  let expected = anchor === null ? 0 : anchor.seq + 1;
  walk: for (let k = startIndex; k < snap.segments.length; k++) {
    const segment = snap.segments[k]!;
    const lastSegment = k === snap.segments.length - 1;
    for await (const chunk of readLineChunks(segmentPath(paths, segment.n), segment.size)) {
      let lines: string[];
      if ('torn' in chunk) {
        if (lastSegment) {
          tornBytes = chunk.torn.length;
          break;
        }
        lines = [chunk.torn.toString('utf8')]; // a sealed segment never ends mid-record: a bad line
      } else {
        lines = chunk.lines;
        bytes += chunk.bytes;
      }
      let from = 0;
      if (seekingAnchor) {
        // Skip what an earlier verify covered, up to the anchor event, which must be intact.
        for (; from < lines.length && seekingAnchor; from++) {
          const event = parseValidEvent(lines[from]!);
          if (event !== null && event.seq === anchor!.seq) {
            if (event.hash !== anchor!.hash) {
              anchorProblem = `seq ${anchor!.seq} has a different hash than the signed head the incremental check starts from`;
              break walk;
            }
            seekingAnchor = false;
          }
        }
      }
      await refill(expected + lines.length);
      upcoming.splice(0, cursor);
      cursor = 0;
      for (let j = from; j < lines.length; j++) {
        if (!walker.feed(lines[j]!)) break walk;
      }
      expected = walker.finish().next;
      options.onProgress?.({ bytes, totalBytes, events: expected });
    }
  }
  if (seekingAnchor && anchorProblem === null) anchorProblem = `the event at seq ${anchor!.seq} the incremental check starts from is not in the ledger`;
  const walked = walker.finish();
  const events = walked.next;
  const report = (partial: Omit<VerifyReport, 'events' | 'head'>): VerifyReport => ({
    ...partial, events, head: h, ...(anchor === null ? {} : { checkedFrom: anchor.seq + 1 }),
  });

  if (anchorProblem !== null) {
    return report({ ok: false, firstBadSeq: anchor!.seq, problem: 'modified', code: 'E_AUDIT_CHAIN_BROKEN', message: anchorProblem });
  }
  if (walked.problem !== null) {
    return report({ ok: false, firstBadSeq: walked.firstBadSeq, problem: walked.problem, code: 'E_AUDIT_CHAIN_BROKEN', message: walked.message });
  }
  if (tornBytes > 0) {
    return report({ ok: false, firstBadSeq: events, problem: 'torn-tail', code: 'E_AUDIT_TORN_TAIL',
      message: `the last line (${tornBytes} bytes after seq ${events - 1}) is incomplete; repair with --repair` });
  }
  const witnessed = checkWitnesses(options.witnesses ?? [], trusted, events, witnessSeqs);
  if (events === 0 && head.kind === 'missing' && witnessed !== null) return report(witnessed);
  if (head.kind === 'missing' && events === 0) {
    return report({ ok: true, firstBadSeq: null, problem: null, code: null, message: 'empty ledger' });
  }
  if (h === null || trusted === null || !headSignatureValid(h, trusted)) {
    const what = head.kind === 'missing' ? 'is missing' : head.kind === 'invalid' ? 'is unreadable' : 'is not signed by the trusted key';
    return report({ ok: false, firstBadSeq: h?.seq ?? 0, problem: 'bad-signature', code: 'E_AUDIT_HEAD_SIGNATURE', message: `the signed head ${what}` });
  }
  if (h.seq >= events) {
    return report({ ok: false, firstBadSeq: events, problem: 'truncated', code: 'E_AUDIT_TRUNCATED',
      message: `the ledger ends before seq ${events} but its signed head names seq ${h.seq}` });
  }
  // A head below the incremental start was vouched for by the earlier verify.
  if (hashAtHead !== null && hashAtHead !== h.hash) {
    return report({ ok: false, firstBadSeq: h.seq, problem: 'modified', code: 'E_AUDIT_HEAD_MISMATCH',
      message: `seq ${h.seq} has a different hash than the signed head (the ledger was rewritten)` });
  }
  if (log.problem !== null) {
    return report({ ok: false, firstBadSeq: log.problem.seq, problem: log.problem.problem, code: log.problem.code, message: log.problem.message });
  }
  await refill(Number.MAX_SAFE_INTEGER);
  const beyond = upcoming.slice(cursor).find((l) => l.seq >= events);
  const firstContradiction = contradiction as LoggedAt | null;
  if (firstContradiction !== null) {
    if (!signedBy(firstContradiction.head, trusted)) {
      const bad = badSignature(firstContradiction.seq, firstContradiction.line);
      return report({ ok: false, firstBadSeq: bad.seq, problem: bad.problem, code: bad.code, message: bad.message });
    }
    return report({ ok: false, firstBadSeq: firstContradiction.seq, problem: 'modified', code: 'E_AUDIT_HEAD_MISMATCH',
      message: `seq ${firstContradiction.seq} has a different hash than a logged signed head (the ledger was rewritten)` });
  }
  if (beyond !== undefined) {
    if (!signedBy(beyond.head, trusted)) {
      const bad = badSignature(beyond.seq, beyond.line);
      return report({ ok: false, firstBadSeq: bad.seq, problem: bad.problem, code: bad.code, message: bad.message });
    }
    return report({ ok: false, firstBadSeq: events, problem: 'truncated', code: 'E_AUDIT_TRUNCATED',
      message: `a logged signed head names seq ${beyond.seq} but the ledger ends before seq ${events}` });
  }
  if (h.prevHead !== undefined && !log.logged) {
    return report({ ok: false, firstBadSeq: h.seq, problem: 'modified', code: 'E_AUDIT_HEAD_MISMATCH',
      message: `the signed head (seq ${h.seq}) is missing from heads.jsonl (the head log was removed or rewritten)` });
  }
  if (witnessed !== null) return report(witnessed);
  if (h.seq < events - 1) {
    return report({ ok: false, firstBadSeq: h.seq + 1, problem: 'head-behind', code: 'E_AUDIT_UNSIGNED_TAIL',
      message: `events ${h.seq + 1}..${events - 1} are not covered by the signed head (a crash before the head write, a run in progress, or events appended without the key); check them, then \`rustchain audit verify --repair\` re-signs` });
  }
  return report({ ok: true, firstBadSeq: null, problem: null, code: null, message: `${events} events, chain and signed head intact` });
}

/**
 * The ledger against heads kept or published outside the state dir: one not signed by the
 * trusted key is bad-signature; a ledger that no longer reaches a witnessed head, or holds
 * another hash at its seq, was rolled back (E_AUDIT_ROLLBACK); no ledger at all is E_AUDIT_MISSING.
 * `hashes` holds the hash the walk saw at each witnessed seq (null: not walked, e.g. below `since`).
 */
function checkWitnesses(witnesses: readonly Witness[], trusted: KeyObject | null, events: number, hashes: ReadonlyMap<number, string | null>): Omit<VerifyReport, 'events' | 'head'> | null {
  for (const { source, head } of witnesses) {
    if (head === null || !signedBy(head, trusted)) {
      return { ok: false, firstBadSeq: head?.seq ?? 0, problem: 'bad-signature', code: 'E_AUDIT_HEAD_SIGNATURE', message: `${source} does not hold a head signed by the trusted key` };
    }
    if (events === 0) {
      return { ok: false, firstBadSeq: 0, problem: 'ledger-missing', code: 'E_AUDIT_MISSING', message: `the ledger is missing or empty, but ${source} holds a signed head for seq ${head.seq}` };
    }
    if (head.seq >= events) {
      return { ok: false, firstBadSeq: events, problem: 'rolled-back', code: 'E_AUDIT_ROLLBACK', message: `the ledger ends before seq ${events}, but ${source} holds a signed head for seq ${head.seq} (rolled back)` };
    }
    const hash = hashes.get(head.seq) ?? null;
    if (hash !== null && hash !== head.hash) {
      return { ok: false, firstBadSeq: head.seq, problem: 'rolled-back', code: 'E_AUDIT_ROLLBACK', message: `seq ${head.seq} has another hash than the signed head in ${source} (rolled back and rewritten)` };
    }
  }
  return null;
}
