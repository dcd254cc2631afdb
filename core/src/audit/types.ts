/**
 * Shapes of the audit ledger: what an event looks like on disk, what the signed head holds,
 * and what verification reports. Everything is plain JSON.
 */
import type { ErrorCode } from '../errors.ts';

/** Hash of "nothing before": the `prev` of the event with seq 0. */
export const GENESIS_HASH = '0'.repeat(64);

/** Event types the engine writes; `type` stays an open string so plugins can add their own. */
export const AUDIT_EVENT_TYPES = [
  'run.started', 'run.finished', 'run.cancelled', 'run.interrupted', 'run.resumed',
  'step.started', 'step.retried', 'step.succeeded', 'step.failed', 'step.skipped', 'step.cancelled',
  'policy.decision', 'policy.granted', 'sandbox.fallback', 'run.plugins', 'run.artifact', 'audit.repaired',
  'net.request', 'net.response',
] as const;

/** A known audit event type. */
export type AuditEventType = (typeof AUDIT_EVENT_TYPES)[number];

/** What a caller hands to the ledger; seq, ts, prev and hash are assigned by the writer. */
export interface LedgerInput {
  runId: string | null;
  type: AuditEventType | (string & {});
  payload: Record<string, unknown>;
}

/** One line of `audit/ledger.jsonl`. `seq` is 0-based: the first event has seq 0. */
export interface LedgerEvent {
  seq: number;
  /** ISO 8601 wall-clock time; informational (ordering comes from seq). */
  ts: string;
  runId: string | null;
  type: string;
  payload: Record<string, unknown>;
  /** `hash` of the event with seq - 1, or GENESIS_HASH for seq 0. */
  prev: string;
  /** SHA-256 hex of the RFC 8785 canonical JSON of this event without `hash`. */
  hash: string;
}

/** The signed head, `audit/head.json`: the last seq + hash the writer vouches for. */
export interface LedgerHead {
  seq: number;
  hash: string;
  ts: string;
  /** Id of the Ed25519 key that signed (sha256 of its SPKI DER, first 16 hex). */
  keyId: string;
  /**
   * sha256 of the canonical JSON of the head this one replaced (GENESIS_HASH for the first);
   * absent in heads written before the head log existed. Signed when present.
   */
  prevHead?: string;
  /** Base64 Ed25519 signature over canonical JSON of {seq, hash, ts, keyId[, prevHead]}. */
  signature: string;
}

/** What verification found; `problem` null means intact. */
export type VerifyProblem =
  | 'modified' | 'missing' | 'inserted' | 'reordered' | 'truncated'
  | 'bad-signature' | 'torn-tail' | 'head-behind' | 'not-monotonic' | 'fork' | 'rolled-back' | 'ledger-missing';

/** Result of `verifyLedger`. `ok` is true only for an intact ledger whose signed head covers every event. */
export interface VerifyReport {
  ok: boolean;
  /** Complete events read from the ledger. */
  events: number;
  /** The seq where the problem starts (see DESIGN notes in verify.ts), or null. */
  firstBadSeq: number | null;
  problem: VerifyProblem | null;
  code: ErrorCode | null;
  message: string;
  /** The head as read from disk, when there is one. */
  head: LedgerHead | null;
  /** With `since`: the first seq whose chain was checked (earlier ones were vouched for before). */
  checkedFrom?: number;
}
