/**
 * The run sink: the executor calls `onEvent` synchronously on its hot path, which only pushes
 * into a buffer. Redaction, hashing and the write happen in a group commit on the next
 * setImmediate tick (events arriving while a write is in flight join the next batch), and at
 * `flush()` / `close()`, which also sign the head. A failed write is kept as `error`, reported
 * once through `onError`, and rethrown by every later flush: the caller fails closed.
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
}

/** What the executor and CLI talk to. */
export interface LedgerSink {
  /** Record a run event (synchronous, cheap). */
  onEvent(event: RunEvent): void;
  /** Record any other ledger event (policy decision, plugin versions, artifact digests). */
  record(input: LedgerInput): void;
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
  let queued = false;
  let closed = false;
  let error: RustchainError | null = null;
  let chain: Promise<void> = Promise.resolve();

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
  const pump = (signHead: boolean): Promise<void> => {
    const run = chain.then(async () => {
      queued = false;
      if (error !== null) throw error;
      const batch = buffer;
      buffer = [];
      if (batch.length > 0) await ledger.appendBatch(batch.map(toInput), { signHead });
      else if (signHead) await ledger.signHead();
    });
    chain = run.catch(fail);
    return run;
  };

  const tick = (): void => {
    scheduled = false;
    if (!queued) {
      queued = true;
      void pump(false).catch(() => undefined);
    }
  };

  const push = (item: Pending): void => {
    if (closed) throw new Error('audit sink is closed');
    buffer.push(item);
    if (!scheduled) {
      scheduled = true;
      setImmediate(tick);
    }
  };

  return {
    onEvent: (event) => push({ run: event }),
    record: (input) => push({ input }),
    flush: async () => {
      await pump(true).catch(fail);
      if (error !== null) throw error;
    },
    close: async () => {
      closed = true;
      await pump(true).catch(fail);
      if (error !== null) throw error;
    },
    get error() {
      return error;
    },
  };
}
