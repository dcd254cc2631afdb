/**
 * The call journal of a run: wraps every step's `ctx.fetch` so each call is reported to the
 * ledger (request digest before the request is sent, response digest after) and, by run
 * option, recorded to a directory (`--record`) or served from one with no network
 * (`--replay`). Plugins see the same FetchCapability either way.
 */
import type { RunEvent } from '../engine/types.ts';
import { isRustchainError, RustchainError } from '../errors.ts';
import { checkUrl } from '../net/url.ts';
import type { FetchCapability, FetchResponse } from '../plugin/sdk.ts';
import type { Policy } from '../policy/types.ts';
import { createSecretRedactor } from '../secrets/redactor.ts';
import { canonicalRequest, canonicalResponse, requestDigest, requestSecrets, responseDigest, type CanonicalRequest } from './canonical.ts';
import { readRecording, writeRecording } from './store.ts';

/** `live`: calls go out and are digested; `record`: also written to `dir`; `replay`: served from `dir`, no network. */
export type CallJournalMode = 'live' | 'record' | 'replay';

/** Options of `createCallJournal`. */
export interface CallJournalOptions {
  mode: CallJournalMode;
  /** The recording directory (required for record and replay). */
  dir?: string | undefined;
  /** The run's redactor: what it knows never reaches a recording; credentials seen in requests are added to it. */
  redactor?: { add(values: Iterable<string>): unknown; text(value: string): string } | undefined;
  /** The run's event sink (the ledger): net.request / net.response. A throw fails the call before it is sent. */
  onEvent?: ((event: RunEvent) => void) | undefined;
  /** Write-ahead: awaited after net.request and before the request is sent (or served). */
  barrier?: (() => Promise<void>) | undefined;
}

/** What the journal needs to know of the step whose fetch it wraps (a StepContextInit is one). */
export interface CallJournalStep {
  readonly runId: string;
  readonly stepId: string;
  readonly attempt: number;
  readonly policy: Policy;
  /** Read only in replay (the engine builds the step's AbortSignal on first read). */
  readonly signal: AbortSignal;
}

/** Wraps the fetch capabilities of one run. */
export interface CallJournal {
  readonly mode: CallJournalMode;
  /** The step's fetch; `live` builds the real one, and is never called in replay. */
  wrap(live: () => FetchCapability, step: CallJournalStep): FetchCapability;
}

/** A call journal for one run (give the same instance to every step of the run). */
export function createCallJournal(options: CallJournalOptions): CallJournal {
  const { mode } = options;
  const dir = options.dir;
  if (mode !== 'live' && (dir === undefined || dir === '')) {
    throw new RustchainError('E_USAGE', `--${mode} needs a directory`, { nonRetryable: true });
  }
  // Credentials seen in request headers and query strings, redacted from recordings even when
  // the run's redactor was not told of them (a key passed as a plain parameter).
  const learned = createSecretRedactor();
  const runRedactor = options.redactor;
  const redact = (text: string): string => learned.text(runRedactor === undefined ? text : runRedactor.text(text));
  // Identical requests of a run, counted: the n-th is the n-th recording of that request.
  const occurrences = new Map<string, number>();
  const emit = options.onEvent ?? ((): void => undefined);
  const barrier = options.barrier;

  function learn(url: string, headers: Readonly<Record<string, string>>): void {
    const secrets = requestSecrets(url, headers);
    if (secrets.length === 0) return;
    learned.add(secrets);
    runRedactor?.add(secrets);
  }

  async function respond(request: CanonicalRequest, key: string, occurrence: number, live: () => FetchCapability, url: string, init: Parameters<FetchCapability['request']>[1], signal: AbortSignal | undefined): Promise<{ served: FetchResponse; recorded: ReturnType<typeof canonicalResponse> }> {
    if (mode === 'replay') {
      if (signal?.aborted === true) throw signal.reason;
      const recorded = await readRecording(dir!, key, occurrence, request);
      return { served: recorded, recorded };
    }
    const served = await live().request(url, init);
    const recorded = canonicalResponse(served, redact);
    if (mode === 'record') await writeRecording(dir!, key, occurrence, request, recorded);
    return { served, recorded };
  }

  return {
    mode,
    wrap(live, step) {
      let calls = 0;
      return {
        async request(url, init = {}) {
          // Scheme and host allowlist first, in every mode: a replay is held to the policy too.
          checkUrl(step.policy.net, url);
          learn(url, init.headers ?? {});
          const request = canonicalRequest(url, init, redact);
          const key = requestDigest(request);
          const occurrence = (occurrences.get(key) ?? 0) + 1;
          occurrences.set(key, occurrence);
          const call = ++calls;
          const replayed = mode === 'replay';
          const base = { runId: step.runId, stepId: step.stepId, attempt: step.attempt, call, replayed };
          emit({ type: 'net.request', ...base, method: request.method, url: request.url, requestDigest: key });
          if (barrier !== undefined) await barrier();
          let outcome: Awaited<ReturnType<typeof respond>>;
          try {
            outcome = await respond(request, key, occurrence, live, url, init, mode === 'replay' ? step.signal : undefined);
          } catch (error) {
            const code = isRustchainError(error) ? error.code : 'E_HTTP_REQUEST_FAILED';
            emit({ type: 'net.response', ...base, status: null, responseDigest: null, error: code });
            throw error;
          }
          emit({ type: 'net.response', ...base, status: outcome.recorded.status, responseDigest: responseDigest(outcome.recorded) });
          return outcome.served;
        },
      };
    },
  };
}
