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
 */
import type { KeyObject } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { checkChain } from './chain.ts';
import { headSignatureValid, readHead } from './head.ts';
import { checkHeadLog, headIsLogged, readHeadLog } from './head-log.ts';
import { readTrustedPublicKey, toPublicKey } from './keys.ts';
import { enqueue } from './ledger.ts';
import { withLedgerLock } from './lock.ts';
import { auditPaths } from './paths.ts';
import type { VerifyReport } from './types.ts';

/** Options of `verifyLedger`. */
export interface VerifyOptions {
  /** The key to trust; default: the state dir's own key. */
  publicKey?: KeyObject | string;
}

/** Verify the ledger and head of a state dir. Never throws for tampering; reports it. */
export async function verifyLedger(stateDir: string, options: VerifyOptions = {}): Promise<VerifyReport> {
  const paths = auditPaths(stateDir);
  const dirExists = await fs.stat(paths.dir).then(() => true, () => false);
  // Read under the writer lock so a concurrent append is never mistaken for a torn tail.
  const read = async () => ({
    text: await fs.readFile(paths.ledger, 'utf8').catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return '';
      throw e;
    }),
    head: await readHead(paths.head),
    logged: await readHeadLog(paths.heads),
  });
  const locked = () => enqueue(paths.ledger, () => withLedgerLock(paths, read)).catch((error: { details?: { errno?: unknown } }) => {
    // A ledger on read-only media (an archive, a mounted copy) is verified without the lock.
    if (['EACCES', 'EROFS', 'EPERM'].includes(String(error.details?.errno))) return read();
    throw error;
  });
  const { text, head, logged } = dirExists ? await locked() : await read();
  const trusted = options.publicKey === undefined ? await readTrustedPublicKey(stateDir) : toPublicKey(options.publicKey);

  const chain = checkChain(text);
  const events = chain.events.length;
  const headValue = head.kind === 'ok' ? head.head : null;
  const report = (partial: Omit<VerifyReport, 'events' | 'head'>): VerifyReport => ({ ...partial, events, head: headValue });

  if (chain.problem !== null) {
    return report({ ok: false, firstBadSeq: chain.firstBadSeq, problem: chain.problem, code: 'E_AUDIT_CHAIN_BROKEN', message: chain.message });
  }
  if (chain.tornBytes > 0) {
    return report({ ok: false, firstBadSeq: events, problem: 'torn-tail', code: 'E_AUDIT_TORN_TAIL',
      message: `the last line (${chain.tornBytes} bytes after seq ${events - 1}) is incomplete; repair with --repair` });
  }
  if (head.kind === 'missing' && events === 0) {
    return report({ ok: true, firstBadSeq: null, problem: null, code: null, message: 'empty ledger' });
  }
  if (head.kind !== 'ok' || trusted === null || !headSignatureValid(head.head, trusted)) {
    const what = head.kind === 'missing' ? 'is missing' : head.kind === 'invalid' ? 'is unreadable' : 'is not signed by the trusted key';
    return report({ ok: false, firstBadSeq: headValue?.seq ?? 0, problem: 'bad-signature', code: 'E_AUDIT_HEAD_SIGNATURE', message: `the signed head ${what}` });
  }
  const h = head.head;
  if (h.seq >= events) {
    return report({ ok: false, firstBadSeq: events, problem: 'truncated', code: 'E_AUDIT_TRUNCATED',
      message: `the ledger ends before seq ${events} but its signed head names seq ${h.seq}` });
  }
  if (chain.events[h.seq]?.hash !== h.hash) {
    return report({ ok: false, firstBadSeq: h.seq, problem: 'modified', code: 'E_AUDIT_HEAD_MISMATCH',
      message: `seq ${h.seq} has a different hash than the signed head (the ledger was rewritten)` });
  }
  const fromLog = checkHeadLog(logged, chain.events, trusted);
  if (fromLog !== null) {
    return report({ ok: false, firstBadSeq: fromLog.seq, problem: fromLog.problem, code: fromLog.code, message: fromLog.message });
  }
  if (h.prevHead !== undefined && !headIsLogged(logged, h)) {
    return report({ ok: false, firstBadSeq: h.seq, problem: 'modified', code: 'E_AUDIT_HEAD_MISMATCH',
      message: `the signed head (seq ${h.seq}) is missing from heads.jsonl (the head log was removed or rewritten)` });
  }
  if (h.seq < events - 1) {
    return report({ ok: false, firstBadSeq: h.seq + 1, problem: 'head-behind', code: 'E_AUDIT_UNSIGNED_TAIL',
      message: `events ${h.seq + 1}..${events - 1} are not covered by the signed head (a crash before the head write, a run in progress, or events appended without the key); check them, then \`rustchain audit verify --repair\` re-signs` });
  }
  return report({ ok: true, firstBadSeq: null, problem: null, code: null, message: `${events} events, chain and signed head intact` });
}
