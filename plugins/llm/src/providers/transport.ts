import { abortableSleep, PluginError, type FetchStream, type StepContext } from '@rustchain/core/plugin';

/**
 * The `fetch` the provider SDKs are given: every request goes through ctx.fetch (scheme and
 * host allowlist, SSRF checks after DNS, size cap, the step's AbortSignal), never the global
 * fetch. Retries live here, not in the SDKs (their maxRetries is 0): 408/409/429/5xx and
 * connection failures are retried up to `maxRetries` times, waiting what `retry-after-ms` /
 * `retry-after` says (else 0.5 s, 1 s, 2 s...), and the wait ends at once when the step is
 * cancelled.
 */

/** The fetch signature both SDKs accept. */
export type SdkFetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** Options of one transport. */
interface TransportOptions {
  timeoutMs: number;
  maxRetries: number;
  /** No key: drop the SDK's placeholder credential headers. */
  keyless: boolean;
}

/** A transport: the fetch function, and the last policy/network error (the SDKs wrap it). */
export interface Transport {
  fetch: SdkFetch;
  /** Requests sent (retries included). */
  readonly attempts: number;
  /** The coded error of the last failed request, to report it instead of the SDK's wrapper. */
  readonly lastError: unknown;
}

/** A server may ask for at most this long a wait; longer fails the call rather than hanging the step. */
const MAX_RETRY_AFTER_MS = 60_000;
const CREDENTIAL_HEADERS = ['authorization', 'x-api-key', 'api-key'];

const retryableStatus = (status: number): boolean => status === 408 || status === 409 || status === 429 || status >= 500;

/** The wait a response asks for (`retry-after-ms`, `retry-after` seconds or HTTP date), else the backoff for `attempt`. */
function retryDelayMs(headers: Readonly<Record<string, string>>, attempt: number, now = Date.now()): number {
  const ms = Number(headers['retry-after-ms']);
  if (headers['retry-after-ms'] !== undefined && Number.isFinite(ms) && ms >= 0) return ms;
  const after = headers['retry-after'];
  if (after !== undefined) {
    const seconds = Number(after);
    if (after.trim() !== '' && Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
    const date = Date.parse(after);
    if (Number.isFinite(date)) return Math.max(0, date - now);
  }
  return Math.min(8_000, 500 * 2 ** attempt);
}

function headersOf(init: RequestInit | undefined, keyless: boolean): Record<string, string> {
  const out: Record<string, string> = {};
  new Headers(init?.headers).forEach((value, key) => {
    if (!(keyless && CREDENTIAL_HEADERS.includes(key))) out[key] = value;
  });
  // ctx.fetch hands over the bytes as sent (no decompression, unlike the global fetch).
  out['accept-encoding'] = 'identity';
  return out;
}

const NULL_BODY = new Set([101, 204, 205, 304]);

/** True for a JSON body with `"stream": true` (both APIs ask for SSE that way). */
function asksToStream(body: string): boolean {
  try {
    return (JSON.parse(body) as { stream?: unknown }).stream === true;
  } catch {
    return false;
  }
}

/** Reads a streamed body to its end (errors ignored: the retry follows anyway). */
async function drain(res: FetchStream): Promise<void> {
  try {
    for await (const chunk of res.body) void chunk;
  } catch {
    res.cancel();
  }
}

/** A streamed ctx.fetch body as the web ReadableStream a Response takes; read errors are kept (they carry the codes). */
function readable(res: FetchStream, onError: (err: unknown) => void): ReadableStream<Uint8Array> {
  const it = res.body[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = await it.next();
        if (next.done === true) controller.close();
        else controller.enqueue(next.value);
      } catch (err) {
        onError(err);
        controller.error(err);
      }
    },
    cancel() {
      res.cancel();
    },
  });
}

/** Builds the transport of one provider call. */
export function createTransport(ctx: Pick<StepContext, 'fetch' | 'signal'>, options: TransportOptions): Transport {
  let attempts = 0;
  let lastError: unknown;
  const fetch: SdkFetch = async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const body = init?.body;
    if (body !== undefined && body !== null && typeof body !== 'string') {
      throw new PluginError('E_LLM_UNSUPPORTED', 'this provider call sends a non-text body, which the policy-guarded transport does not support', { nonRetryable: true });
    }
    const request = {
      method: init?.method ?? 'GET',
      headers: headersOf(init, options.keyless),
      ...(typeof body === 'string' ? { body } : {}),
      timeoutMs: options.timeoutMs,
    };
    const streaming = ctx.fetch.stream !== undefined && typeof body === 'string' && asksToStream(body);
    for (let retry = 0; ; retry++) {
      attempts++;
      try {
        const res = streaming ? await ctx.fetch.stream!(url, request) : await ctx.fetch.request(url, request);
        const wait = retryableStatus(res.status) ? retryDelayMs(res.headers, retry) : undefined;
        if (wait !== undefined && retry < options.maxRetries && wait <= MAX_RETRY_AFTER_MS) {
          // Read the (small) error body to its end rather than cancel it: a journalled run
          // (--record) then has the whole answer, and --replay can serve it again.
          if ('cancel' in res) await drain(res);
          await abortableSleep(wait, ctx.signal);
          continue;
        }
        if (NULL_BODY.has(res.status) && 'cancel' in res) res.cancel();
        const content = NULL_BODY.has(res.status) ? null : 'cancel' in res ? readable(res, (err) => void (lastError = err)) : res.body;
        return new Response(content, { status: res.status, headers: res.headers });
      } catch (err) {
        lastError = err;
        const code = (err as { code?: unknown }).code;
        if (code === 'E_HTTP_REQUEST_FAILED' && retry < options.maxRetries && !ctx.signal.aborted) {
          await abortableSleep(retryDelayMs({}, retry), ctx.signal);
          continue;
        }
        throw err;
      }
    }
  };
  return {
    fetch,
    get attempts() {
      return attempts;
    },
    get lastError() {
      return lastError;
    },
  };
}
