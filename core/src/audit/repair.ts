/**
 * `repairLedger`: brings a ledger a crash (or power loss) left behind back to a verifiable
 * state, and only on request. It handles every state a crash can leave:
 * - torn tail: the bytes after the last complete record are cut;
 * - head behind (an unsigned tail: a crash between the segment write and the head write) or
 *   a missing head: the head is re-signed over the intact chain;
 * - head ahead (power loss lost the last records the head or head log vouched for): the
 *   heads naming lost seqs are dropped from heads.jsonl and a new head is signed over what
 *   is left; the lost range and the dropped head are recorded.
 * Nothing is destroyed without a copy: cut bytes, the old head.json and the old heads.jsonl go
 * to `audit/repaired-<ts>/` first (fsynced). The repair is recorded as an `audit.repaired`
 * event naming what it did. It refuses a ledger whose chain or head shows tampering (a broken
 * chain, a head signed by another key, a head naming another hash for a seq the ledger holds):
 * repair must never launder evidence.
 */
import { closeSync, fsyncSync, openSync, promises as fs, readSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { RustchainError } from '../errors.ts';
import { ChainWalker } from './chain.ts';
import { parseValidEvent } from './event-line.ts';
import { headSignatureValid, isLedgerHead, readHead, signHead, writeHead, type HeadRead } from './head.ts';
import { appendHeadLog } from './head-log.ts';
import { keptHeadPath, readKeptHead, writeKeptHead } from './kept-head.ts';
import { loadOrCreateKey } from './keys.ts';
import { enqueue, openLedger } from './ledger.ts';
import { readLineChunks } from './line-reader.ts';
import { withLedgerLock } from './lock.ts';
import { auditPaths, segmentName, segmentPath, type AuditPaths } from './paths.ts';
import { fsyncDir, listSegments } from './segments.ts';
import { keepCopy } from './tail.ts';
import { GENESIS_HASH, type LedgerEvent, type LedgerHead } from './types.ts';

/** What a repair did. */
export interface RepairResult {
  /** Bytes of the torn record removed (0 when there was none). */
  removedBytes: number;
  /** The head was missing, behind or ahead and was re-signed. */
  headResigned: boolean;
  /** Seqs the head log vouched for that the ledger no longer holds (power loss), or null. */
  lost: { from: number; through: number } | null;
  /** Unsigned events (a crash's or a forger's) the re-signed head now covers, or null. */
  adopted: { from: number; through: number } | null;
  /** Where copies of what was cut or replaced were kept, or null when nothing was. */
  copy: string | null;
  /** The `audit.repaired` event, or null when nothing needed repair. */
  event: LedgerEvent | null;
}

function refuse(code: 'E_AUDIT_CHAIN_BROKEN' | 'E_AUDIT_HEAD_SIGNATURE' | 'E_AUDIT_HEAD_MISMATCH', message: string, details?: Record<string, unknown>): RustchainError {
  return new RustchainError(code, `cannot repair: ${message}`, details === undefined ? {} : { details });
}

/** Walk every segment: the intact chain's length, last event, the hash at `wantSeq`, and the torn bytes. */
async function walk(paths: AuditPaths, wantSeq: number | null, keptSeq: number | null) {
  const segments = await listSegments(paths);
  let atSeq: string | null = null;
  let atKept: string | null = null;
  const walker = new ChainWalker({
    onEvent: (e) => {
      if (e.seq === wantSeq) atSeq = e.hash;
      if (e.seq === keptSeq) atKept = e.hash;
    },
  });
  let torn = 0;
  let lastSegment = segments.at(-1) ?? 0;
  for (let k = 0; k < segments.length; k++) {
    const n = segments[k]!;
    for await (const chunk of readLineChunks(segmentPath(paths, n))) {
      if ('torn' in chunk) {
        if (k === segments.length - 1) torn = chunk.torn.length;
        else walker.feed(chunk.torn.toString('utf8'));
        continue;
      }
      for (const line of chunk.lines) if (!walker.feed(line)) break;
    }
  }
  lastSegment = segments.at(-1) ?? 0;
  return { result: walker.finish(), atSeq: atSeq as string | null, atKept: atKept as string | null, torn, lastSegment };
}

/** Copy a file into the repair dir (created on first use); a missing file is skipped. */
async function copyInto(dir: () => string, path: string, name: string): Promise<void> {
  const bytes = await fs.readFile(path).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return null;
    throw e;
  });
  if (bytes === null) return;
  const target = join(dir(), name);
  await fs.writeFile(target, bytes);
  const fd = openSync(target, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Keep only the logged heads below `events` (a copy of the old log was kept); returns the last kept one. */
async function cutHeadLog(paths: AuditPaths, events: number): Promise<LedgerHead | null> {
  const tmp = `${paths.heads}.repair.tmp`;
  const fd = openSync(tmp, 'w', 0o644);
  let last: LedgerHead | null = null;
  try {
    for await (const chunk of readLineChunks(paths.heads)) {
      if ('torn' in chunk) break;
      const kept: string[] = [];
      for (const raw of chunk.lines) {
        let head: unknown = null;
        try {
          head = JSON.parse(raw);
        } catch {
          head = null;
        }
        // Lines that are not heads stay: verify reports them, repair does not hide them.
        if (isLedgerHead(head) && head.seq >= events) continue;
        if (isLedgerHead(head)) last = head;
        kept.push(`${raw}\n`);
      }
      if (kept.length > 0) writeSync(fd, kept.join(''));
    }
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  await fs.rename(tmp, paths.heads);
  await fsyncDir(paths.dir);
  return last;
}

/** The highest seq any logged head names (-1 when none). */
async function maxLoggedSeq(paths: AuditPaths): Promise<number> {
  let max = -1;
  for await (const chunk of readLineChunks(paths.heads)) {
    if ('torn' in chunk) break;
    for (const raw of chunk.lines) {
      try {
        const head: unknown = JSON.parse(raw);
        if (isLedgerHead(head) && head.seq > max) max = head.seq;
      } catch {
        // Not a head: verify reports it.
      }
    }
  }
  return max;
}

/** Repair what a crash left (torn tail, head behind, missing head, head ahead); throws E_AUDIT_* on tampering. */
export async function repairLedger(stateDir: string): Promise<RepairResult> {
  const paths = auditPaths(stateDir);
  const key = await loadOrCreateKey(stateDir);
  const fixed = await enqueue(paths.ledger, () => withLedgerLock(paths, async () => {
    const head = await readHead(paths.head);
    const signed = head.kind === 'ok' ? head.head : null;
    if (signed !== null && !headSignatureValid(signed, key.publicKey)) throw refuse('E_AUDIT_HEAD_SIGNATURE', 'the head is not signed by this key');
    const keptRead = await readKeptHead(stateDir).catch((): HeadRead => ({ kind: 'invalid' }));
    const kept = keptRead.kind === 'ok' && headSignatureValid(keptRead.head, key.publicKey) ? keptRead.head : null;
    const { result, atSeq, atKept, torn, lastSegment } = await walk(paths, signed?.seq ?? null, kept?.seq ?? null);
    if (result.problem !== null) {
      throw refuse('E_AUDIT_CHAIN_BROKEN', result.message, { firstBadSeq: result.firstBadSeq });
    }
    let events = result.next;
    let last = result.last;
    let copyDir: string | null = null;
    const repairDir = (): string => {
      if (copyDir === null) copyDir = keepCopy(paths, 'README', Buffer.from('copies kept by `rustchain audit verify --repair`\n')).replace(/\/README$/, '');
      return copyDir;
    };

    // 1. A torn record at the end of the last segment: copy, then cut — unless it is a whole
    //    record that only lost its newline and continues the chain, which is completed instead.
    let completed: LedgerEvent | null = null;
    if (torn > 0) {
      const path = segmentPath(paths, lastSegment);
      const size = (await fs.stat(path)).size;
      const fd = openSync(path, 'r+');
      try {
        const bytes = Buffer.alloc(torn);
        readSync(fd, bytes, 0, torn, size - torn);
        const whole = parseValidEvent(bytes.toString('utf8'));
        if (whole !== null && whole.seq === events && whole.prev === (last?.hash ?? GENESIS_HASH)) {
          writeSync(fd, '\n', size);
          fsyncSync(fd);
          completed = whole;
        }
      } finally {
        closeSync(fd);
      }
    }
    if (torn > 0 && completed === null) {
      const path = segmentPath(paths, lastSegment);
      const fd = openSync(path, 'r+');
      try {
        const size = (await fs.stat(path)).size;
        const bytes = Buffer.alloc(torn);
        readSync(fd, bytes, 0, torn, size - torn);
        await fs.writeFile(join(repairDir(), `${segmentName(lastSegment)}.torn-at-${size - torn}`), bytes);
        await fs.truncate(path, size - torn);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    }

    if (completed !== null) {
      events += 1;
      last = completed;
    }
    const removedBytes = completed === null ? torn : 0;
    const hashAtSigned = completed !== null && signed !== null && completed.seq === signed.seq ? completed.hash : atSeq;

    // 2. Heads naming seqs the ledger no longer holds (power loss lost the tail): keep copies, drop them.
    const loggedMax = await maxLoggedSeq(paths);
    // The kept head is written after head.json and the log, so a crash never leaves it ahead of
    // both and of the ledger: if it is, the state dir was rolled back, and a repair must not
    // sign that over. One the ledger contradicts at its seq means a rewrite.
    if (kept !== null && kept.seq >= events && kept.seq > Math.max(signed?.seq ?? -1, loggedMax)) {
      throw new RustchainError('E_AUDIT_ROLLBACK', `cannot repair: the kept signed head names seq ${kept.seq}, beyond the ledger and every head in the state dir (the ledger was rolled back)`);
    }
    if (kept !== null && kept.seq < events && atKept !== null && atKept !== kept.hash) {
      throw new RustchainError('E_AUDIT_ROLLBACK', `cannot repair: seq ${kept.seq} has another hash than the kept signed head (the ledger was rewritten)`);
    }
    const aheadThrough = Math.max(signed !== null && signed.seq >= events ? signed.seq : -1, loggedMax >= events ? loggedMax : -1);
    let lost: RepairResult['lost'] = null;
    let previous: LedgerHead | null = signed;
    if (aheadThrough >= 0) {
      await copyInto(repairDir, paths.head, 'head.json');
      await copyInto(repairDir, paths.heads, 'heads.jsonl');
      previous = await cutHeadLog(paths, events);
      lost = { from: events, through: aheadThrough };
    } else if (signed !== null && hashAtSigned !== signed.hash) {
      throw refuse('E_AUDIT_HEAD_MISMATCH', 'the head names another hash');
    }

    // 3. Re-sign when the head is missing, unreadable, behind or was ahead.
    let headResigned = false;
    const needsHead = last !== null && (lost !== null || signed === null || signed.seq < last.seq);
    if (needsHead && last !== null) {
      if (head.kind === 'invalid') await copyInto(repairDir, paths.head, 'head.json.unreadable');
      const resigned = signHead(key, last.seq, last.hash, previous);
      await appendHeadLog(paths.heads, resigned, true);
      await writeHead(paths.head, resigned, true);
      await writeKeptHead(keptHeadPath(stateDir), resigned, true);
      headResigned = true;
    } else if (last === null && lost !== null) {
      await fs.rm(paths.head, { force: true }); // a copy was kept; an empty ledger has no head
      if (kept !== null) {
        await copyInto(repairDir, keptHeadPath(stateDir), 'latest-head.json');
        await fs.rm(keptHeadPath(stateDir), { force: true });
      }
    }
    // Events no head this key signed vouched for, now adopted: named in the record.
    const adopted = lost === null && headResigned && last !== null && (signed === null || signed.seq < last.seq)
      ? { from: signed === null ? 0 : signed.seq + 1, through: last.seq } : null;
    const reason = lost !== null ? 'lost-tail' : removedBytes > 0 ? 'torn-tail' : completed !== null ? 'completed-record' : signed === null ? 'missing-head' : 'unsigned-tail';
    return { removedBytes, completed: completed !== null, headResigned, lost, copy: copyDir as string | null, reason, previousHeadSeq: signed?.seq ?? null, lostHead: lost === null ? null : signed, adopted };
  }));
  const result = { removedBytes: fixed.removedBytes, headResigned: fixed.headResigned, lost: fixed.lost, copy: fixed.copy, adopted: fixed.adopted };
  if (fixed.removedBytes === 0 && !fixed.headResigned && fixed.lost === null && !fixed.completed) return { ...result, event: null };
  const ledger = await openLedger(stateDir, { fsync: true });
  const event = await ledger.append({
    runId: null,
    type: 'audit.repaired',
    payload: {
      reason: fixed.reason,
      removedBytes: fixed.removedBytes,
      headResigned: fixed.headResigned,
      previousHeadSeq: fixed.previousHeadSeq,
      ...(fixed.adopted === null ? {} : { adopted: fixed.adopted }),
      ...(fixed.lost === null ? {} : { lost: fixed.lost, lostHead: fixed.lostHead === null ? null : { seq: fixed.lostHead.seq, hash: fixed.lostHead.hash, signature: fixed.lostHead.signature } }),
      ...(fixed.copy === null ? {} : { copy: fixed.copy }),
    },
  });
  return { ...result, event };
}
