/**
 * The run sink: the executor calls `onEvent` synchronously on its hot path, which only pushes
 * into a buffer. Redaction, hashing and the write happen in a group commit: at `barrier()`
 * (the executor awaits it before a step's side effect and before releasing dependents), on the
 * next setImmediate tick for events nobody waits on, and at `flush()` / `close()`. Events
 * arriving while a write (and its fsync) is in flight join the next batch, so concurrent steps
 * share one write + fsync + head signature. A failed write is kept as `error`, reported once
 * through `onError`, and rethrown by every later barrier/flush: the caller fails closed.
 */
import type { RunEvent } from '../engine/types.ts';
import type { RustchainError } from '../errors.ts';
import { writeFailed, type Ledger } from './ledger.ts';
import { createSecretRedactor, type SecretRedactor } from '../secrets/redactor.ts';
import { currentRunContext, runEventToLedgerInput } from './run-events.ts';
import type { LedgerInput } from './types.ts';

/** Options of `createLedgerSink`. */
export interface LedgerSinkOptions {
  /** Secret values to redact (with their base64 / URL-encoded forms) before hashing. */
  secrets?: readonly string[];
  /**
   * The run's redactor (core/src/secrets/redactor.ts), applied at commit time so values it
   * learns during the run (secret parameters) are covered; `secrets` are added to it.
   */
  redactor?: SecretRedactor;
  /** Called once with E_AUDIT_WRITE_FAILED (or another E_AUDIT_*) when a write fails. */
  onError?: (error: RustchainError) => void;
  /**
   * Sign the head after every commit ('batch': a crash leaves at most the last batch
   * unsigned), or at most every that many ms and at close. Default: 'batch' on a durable
   * (fsynced) ledger, 1000 ms with durability none, where a chain of steps then pays only the
   * lock and the write per step; a crash can leave an unsigned tail that `audit verify
   * --repair` re-signs.
   */
  signHeadEvery?: 'batch' | number;
}

/** What the executor and CLI talk to. */
export interface LedgerSink {
  /** Record a run event (synchronous, cheap). */
  onEvent(event: RunEvent): void;
  /** Record any other ledger event (policy decision, plugin versions, artifact digests). */
  record(input: LedgerInput): void;
  /**
   * Resolves once every event recorded so far is committed (written, fsynced unless the
   * ledger was opened with durability none, head signed); rejects with the write error.
   */
  barrier(): Promise<void>;
  /** Write everything buffered and sign the head; rejects with the write error if any. */
  flush(): Promise<void>;
  /** Flush; the sink accepts nothing afterwards. */
  close(): Promise<void>;
  /** The first write failure, or null. */
  readonly error: RustchainError | null;
}

type Pending = { run: RunEvent } | { input: LedgerInput };

/** Create a buffered, group-committing sink over an open ledger. */
export function createLedgerSink(ledger: Ledger, options: LedgerSinkOptions = {}): LedgerSink {
  const redactor = options.redactor ?? createSecretRedactor();
  redactor.add(options.secrets ?? []);
  const context = currentRunContext();
  let buffer: Pending[] = [];
  let scheduled = false;
  let closed = false;
  let error: RustchainError | null = null;
  let chain: Promise<void> = Promise.resolve();
  // The commit that will take the current buffer (not started yet), shared by every waiter.
  let pending: Promise<void> | null = null;
  const every = options.signHeadEvery ?? (ledger.durable === false ? 1000 : 'batch');
  const interval = every === 'batch' ? 0 : every;
  let signedAt = 0;
  let closing = false;

  const toInput = (item: Pending): LedgerInput => {
    // Redact the event itself, so the outputs digest is over redacted outputs too.
    if ('run' in item) return runEventToLedgerInput(redactor.value(item.run), context);
    return { runId: item.input.runId, type: item.input.type, payload: redactor.value(item.input.payload) };
  };

  const fail = (e: unknown): void => {
    if (error !== null) return;
    error = writeFailed(e, ledger.paths.ledger);
    options.onError?.(error);
  };

  // Take the buffer only when the previous write is done: that is what makes it a group commit.
  const commit = (): Promise<void> => {
    if (pending !== null) return pending;
    const run = chain.then(async () => {
      pending = null;
      if (error !== null) throw error;
      const batch = buffer;
      buffer = [];
      // Every batch signs its head (unless told otherwise): a crash leaves at most one uncommitted batch behind.
      const sign = closing || interval === 0 || Date.now() - signedAt >= interval;
      // A run's batches keep the ledger lock between them (released when idle, claimed, or at close).
      if (batch.length > 0) await ledger.appendBatch(batch.map(toInput), { signHead: sign, keepLock: !closing });
      else if (closing && interval > 0) await ledger.signHead();
      if (sign) signedAt = Date.now();
    });
    pending = run;
    chain = run.catch(fail);
    return run;
  };

  const tick = (): void => {
    scheduled = false;
    if (buffer.length > 0) void commit().catch(() => undefined);
  };

  const push = (item: Pending): void => {
    if (closed) throw new Error('audit sink is closed');
    buffer.push(item);
    if (!scheduled) {
      scheduled = true;
      setImmediate(tick);
    }
  };

  const settle = async (): Promise<void> => {
    await (buffer.length > 0 || pending !== null ? commit() : chain).catch(fail);
    if (error !== null) throw error;
  };

  return {
    // step.progress is a live status line for the display: not an audited event.
    onEvent: (event) => (event.type === 'step.progress' ? undefined : push({ run: event })),
    record: (input) => push({ input }),
    barrier: settle,
    flush: settle,
    close: async () => {
      closed = true;
      closing = true;
      if (interval > 0) await commit().catch(fail);
      try {
        await settle();
      } finally {
        await ledger.releaseLock();
      }
    },
    get error() {
      return error;
    },
  };
}
