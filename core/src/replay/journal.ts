/**
 * The call journal of a run: wraps every step's `ctx.fetch` so each call is reported to the
 * ledger (request digest before the request is sent, response digest after) and, by run
 * option, recorded to a directory (`--record`) or served from one with no network
 * (`--replay`). Plugins see the same FetchCapability either way.
 */
import type { RunEvent } from '../engine/types.ts';
import { isRustchainError, RustchainError } from '../errors.ts';
import { checkUrl } from '../net/url.ts';
import type { FetchCapability, FetchInit, FetchResponse, FetchStream } from '../plugin/sdk.ts';
import type { Policy } from '../policy/types.ts';
import { createSecretRedactor } from '../secrets/redactor.ts';
import { canonicalRequest, canonicalResponse, requestDigest, requestSecrets, responseDigest, type CanonicalRequest, type CanonicalResponse } from './canonical.ts';
import { readRecording, writeRecording } from './store.ts';

/** `live`: calls go out and are digested; `record`: also written to `dir`; `replay`: served from `dir`, no network. */
export type CallJournalMode = 'live' | 'record' | 'replay';

/** Options of `createCallJournal`. */
export interface CallJournalOptions {
  mode: CallJournalMode;
  /** The recording directory (required for record and replay). */
  dir?: string | undefined;
  /** The run's redactor: what it knows never reaches a recording (credentials seen in requests are kept out too, by the journal's own list). */
  redactor?: { add(values: Iterable<string>): unknown; text(value: string): string } | undefined;
  /** The run's event sink (the ledger): net.request / net.response. A throw fails the call before it is sent. */
  onEvent?: ((event: RunEvent) => void) | undefined;
  /** Write-ahead: awaited after net.request and before the request is sent (or served). */
  barrier?: (() => Promise<void>) | undefined;
}

/** What the journal needs to know of the step whose fetch it wraps (a StepContextInit is one). */
interface CallJournalStep {
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
  // the run's redactor was not told of them (a key passed as a plain parameter). Kept to the
  // recordings: a literal credential in a mission is public already (E_SECRET_LITERAL says so),
  // and censoring its text from every output would garble results (`bearer_token: approved`).
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
  }

  return {
    mode,
    wrap(live, step) {
      let calls = 0;

      /** Everything before the call goes out: policy, secrets learned, key, net.request, write-ahead. */
      async function begin(url: string, init: FetchInit): Promise<PendingCall> {
        // Scheme and host allowlist first, in every mode: a replay is held to the policy too.
        checkUrl(step.policy.net, url);
        learn(url, init.headers ?? {});
        const request = canonicalRequest(url, init, redact);
        const key = requestDigest(request);
        const occurrence = (occurrences.get(key) ?? 0) + 1;
        occurrences.set(key, occurrence);
        const base = { runId: step.runId, stepId: step.stepId, attempt: step.attempt, call: ++calls, replayed: mode === 'replay' };
        emit({ type: 'net.request', ...base, method: request.method, url: request.url, requestDigest: key });
        if (barrier !== undefined) await barrier();
        if (mode === 'replay' && step.signal.aborted) throw step.signal.reason;
        return { request, key, occurrence, base };
      }

      const failed = (call: PendingCall, error: unknown): never => {
        emit({ type: 'net.response', ...call.base, status: null, responseDigest: null, error: isRustchainError(error) ? error.code : 'E_HTTP_REQUEST_FAILED' });
        throw error;
      };

      /** The response is complete: record it (record mode) and report its digest. */
      async function end(call: PendingCall, response: FetchResponse): Promise<CanonicalResponse> {
        const recorded = mode === 'replay' ? response : canonicalResponse(response, redact);
        if (mode === 'record') await writeRecording(dir!, call.key, call.occurrence, call.request, recorded);
        emit({ type: 'net.response', ...call.base, status: recorded.status, responseDigest: responseDigest(recorded) });
        return recorded;
      }

      return {
        async request(url, init = {}) {
          const call = await begin(url, init);
          try {
            const response = mode === 'replay' ? await readRecording(dir!, call.key, call.occurrence, call.request) : await live().request(url, init);
            await end(call, response);
            return response;
          } catch (error) {
            return failed(call, error);
          }
        },
        async stream(url, init = {}) {
          const call = await begin(url, init);
          if (mode === 'replay') {
            let recorded: CanonicalResponse;
            try {
              recorded = await end(call, await readRecording(dir!, call.key, call.occurrence, call.request));
            } catch (error) {
              return failed(call, error);
            }
            return bufferedStream(recorded);
          }
          let upstream: FetchStream;
          try {
            const real = live();
            // A capability without a streaming form (a test double) answers buffered, as one chunk.
            upstream = real.stream !== undefined ? await real.stream(url, init) : bufferedStream(await real.request(url, init));
          } catch (error) {
            return failed(call, error);
          }
          return teeStream(upstream, (body) => end(call, { status: upstream.status, headers: upstream.headers, url: upstream.url, body }), (error) => {
            emit({ type: 'net.response', ...call.base, status: upstream.status, responseDigest: null, error });
          });
        },
      };
    },
  };
}

/** A call between its net.request and its net.response. */
interface PendingCall {
  request: CanonicalRequest;
  key: string;
  occurrence: number;
  base: { runId: string; stepId: string; attempt: number; call: number; replayed: boolean };
}

/** A whole response served as a stream (one chunk: the consumer parses SSE from bytes either way). */
function bufferedStream(recorded: FetchResponse): FetchStream {
  const bytes = new TextEncoder().encode(recorded.body);
  let cancelled = false;
  return {
    status: recorded.status,
    headers: { ...recorded.headers },
    url: recorded.url,
    body: (async function* () {
      if (!cancelled && bytes.length > 0) yield bytes;
    })(),
    cancel() {
      cancelled = true;
    },
  };
}

/**
 * Passes a live stream through to the step while keeping its bytes: once the body was read to
 * its end, `complete` records and digests it. A body abandoned or failed half way is reported
 * with `incomplete` (its code, or `E_STREAM_INCOMPLETE`) and never recorded.
 */
function teeStream(upstream: FetchStream, complete: (body: string) => Promise<unknown>, incomplete: (code: string) => void): FetchStream {
  const chunks: Uint8Array[] = [];
  return {
    status: upstream.status,
    headers: upstream.headers,
    url: upstream.url,
    cancel: () => upstream.cancel(),
    body: (async function* () {
      let outcome: 'reading' | 'done' | 'failed' = 'reading';
      try {
        for await (const chunk of upstream.body) {
          chunks.push(chunk);
          yield chunk;
        }
        outcome = 'done';
      } catch (error) {
        outcome = 'failed';
        incomplete(isRustchainError(error) ? error.code : 'E_HTTP_REQUEST_FAILED');
        throw error;
      } finally {
        // Still reading here: the consumer stopped early (break, cancel).
        if (outcome === 'reading') incomplete('E_STREAM_INCOMPLETE');
      }
      await complete(Buffer.concat(chunks).toString('utf8'));
    })(),
  };
}
