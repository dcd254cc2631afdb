/**
 * `repairLedger`: the only way a torn tail is removed, and only on request. It truncates the
 * ledger to its last complete record, re-signs a missing head or one behind the ledger (whose
 * chain from the head on is intact), and records the repair as an
 * `audit.repaired` event. It refuses to touch a ledger whose chain or head shows tampering:
 * repair must never launder evidence.
 */
import { promises as fs } from 'node:fs';
import { RustchainError } from '../errors.ts';
import { checkChain } from './chain.ts';
import { headSignatureValid, readHead, signHead, writeHead } from './head.ts';
import { appendHeadLog } from './head-log.ts';
import { loadOrCreateKey } from './keys.ts';
import { enqueue, openLedger } from './ledger.ts';
import { withLedgerLock } from './lock.ts';
import { auditPaths } from './paths.ts';
import type { LedgerEvent } from './types.ts';

/** What a repair did. */
export interface RepairResult {
  /** Bytes of the torn record removed (0 when there was none). */
  removedBytes: number;
  /** The head was missing and was re-signed. */
  headResigned: boolean;
  /** The `audit.repaired` event, or null when nothing needed repair. */
  event: LedgerEvent | null;
}

/** Repair a torn tail / missing head; throws E_AUDIT_* when the ledger shows tampering. */
export async function repairLedger(stateDir: string): Promise<RepairResult> {
  const paths = auditPaths(stateDir);
  const key = await loadOrCreateKey(stateDir);
  const fixed = await enqueue(paths.ledger, () => withLedgerLock(paths, async () => {
    const text = await fs.readFile(paths.ledger, 'utf8').catch(() => '');
    const chain = checkChain(text);
    if (chain.problem !== null) {
      throw new RustchainError('E_AUDIT_CHAIN_BROKEN', `cannot repair: ${chain.message}`, { details: { firstBadSeq: chain.firstBadSeq } });
    }
    const removedBytes = chain.tornBytes;
    if (removedBytes > 0) await fs.truncate(paths.ledger, Buffer.byteLength(text) - removedBytes);
    const last = chain.events.at(-1);
    const head = await readHead(paths.head);
    let headResigned = false;
    if (head.kind === 'ok') {
      if (!headSignatureValid(head.head, key.publicKey)) throw new RustchainError('E_AUDIT_HEAD_SIGNATURE', 'cannot repair: the head is not signed by this key');
      if (head.head.seq >= chain.events.length) throw new RustchainError('E_AUDIT_TRUNCATED', 'cannot repair: the ledger is shorter than its signed head');
      if (chain.events[head.head.seq]?.hash !== head.head.hash) throw new RustchainError('E_AUDIT_HEAD_MISMATCH', 'cannot repair: the head names another hash');
      if (last && head.head.seq < last.seq) {
        // head-behind: the chain from the signed head on is intact; adopt the extension.
        const resigned = signHead(key, last.seq, last.hash, head.head);
        await appendHeadLog(paths.heads, resigned, true);
        await writeHead(paths.head, resigned, true);
        headResigned = true;
      }
    } else if (last) {
      const resigned = signHead(key, last.seq, last.hash, null);
      await appendHeadLog(paths.heads, resigned, true);
      await writeHead(paths.head, resigned, true);
      headResigned = true;
    }
    return { removedBytes, headResigned, previousHeadSeq: head.kind === 'ok' ? head.head.seq : null };
  }));
  if (fixed.removedBytes === 0 && !fixed.headResigned) return { ...pick(fixed), event: null };
  const ledger = await openLedger(stateDir, { fsync: true });
  const event = await ledger.append({
    runId: null,
    type: 'audit.repaired',
    payload: { reason: fixed.removedBytes > 0 ? 'torn-tail' : fixed.previousHeadSeq === null ? 'missing-head' : 'unsigned-tail', ...fixed },
  });
  return { ...pick(fixed), event };
}

function pick(fixed: { removedBytes: number; headResigned: boolean }): Omit<RepairResult, 'event'> {
  return { removedBytes: fixed.removedBytes, headResigned: fixed.headResigned };
}
