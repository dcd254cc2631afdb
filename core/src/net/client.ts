import type { IncomingMessage } from 'node:http';
import type { LookupFunction } from 'node:net';
import { RustchainError, isRustchainError } from '../errors.ts';
import type { FetchResponse, FetchStream } from '../plugin/sdk.ts';
import { checkResolvedAddress, type NetRules } from './allowlist.ts';
import { classifyAddress } from './address.ts';
import { nodeDns, nodeHttp, nodeHttps } from './node-net.ts';
import { checkUrl, refusalError, type HttpTarget } from './url.ts';

/**
 * The SSRF-safe HTTP client behind `ctx.fetch`. Built on node:http(s) because Node 20's
 * global fetch cannot take a custom DNS lookup: here the host name is resolved ONCE inside
 * the socket's lookup hook, every address is checked, and the socket connects to the address
 * that was checked (no second resolution for a rebinding DNS server to answer differently).
 * Redirects are followed by hand so every hop is re-checked.
 */

/** One resolved address. */
export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a host name to all its addresses; injectable so tests can stub DNS. */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

/** Where a request actually connected (after checks); for audit and tests. */
export interface ConnectInfo {
  url: string;
  host: string;
  address: string;
  port: number;
  hop: number;
}

/** Options of `createHttpClient`. */
export interface HttpClientOptions {
  rules: NetRules;
  resolver?: Resolver;
  /** Redirect hops followed at most (default 5). */
  maxRedirects?: number;
  /** Default response body cap in bytes (default 10 MiB). */
  maxBytes?: number;
  /** Default whole-request deadline in ms, redirects included (default 30 s). */
  timeoutMs?: number;
  onConnect?: (info: ConnectInfo) => void;
}

/** One request. */
export interface HttpRequestInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  maxBytes?: number;
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** A policy-enforcing HTTP client. */
export interface HttpClient {
  request(url: string, init?: HttpRequestInit): Promise<FetchResponse>;
  /** `request` that resolves at the final response's headers; the body is read as it arrives (same cap and deadline). */
  stream(url: string, init?: HttpRequestInit): Promise<FetchStream>;
}

/** The system resolver (getaddrinfo), all addresses. */
export const systemResolver: Resolver = async (hostname) =>
  (await nodeDns().promises.lookup(hostname, { all: true, verbatim: true })).map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/**
 * Headers kept when a redirect leaves the host: content negotiation and caching only. Any
 * other header may carry a credential (`X-Api-Key`, `Private-Token`, a custom auth scheme),
 * and the code cannot tell which, so it is not sent to a host the step did not name.
 */
const CROSS_HOST_SAFE_HEADERS = new Set(['accept', 'accept-language', 'accept-encoding', 'content-type', 'content-language', 'user-agent', 'cache-control', 'pragma']);

interface HopResult {
  status: number;
  headers: Record<string, string>;
  body: string;
  location: string | undefined;
  /** Streaming: the unread final response. */
  res?: IncomingMessage;
}

/** Creates a client bound to one set of network rules. */
export function createHttpClient(options: HttpClientOptions): HttpClient {
  const resolver = options.resolver ?? systemResolver;
  const maxRedirects = options.maxRedirects ?? 5;

  function hop(target: HttpTarget, hopNo: number, method: string, headers: Record<string, string>, body: string | undefined, maxBytes: number, signal: AbortSignal, streaming: boolean): Promise<HopResult> {
    return new Promise<HopResult>((resolve, reject) => {
      let policyError: unknown;
      const href = target.url.href;
      const literal = classifyAddress(target.host);
      if (literal) options.onConnect?.({ url: href, host: target.host, address: literal.address, port: target.port, hop: hopNo });
      const lookup: LookupFunction = (hostname, lookupOptions, callback) => {
        resolver(hostname)
          .then((addresses) => {
            if (addresses.length === 0) throw new RustchainError('E_HTTP_REQUEST_FAILED', `${hostname} did not resolve`, { details: { host: hostname } });
            for (const a of addresses) {
              const refusal = checkResolvedAddress(options.rules, hostname, a.address, target.port);
              if (refusal) throw refusalError(refusal, href, hopNo);
            }
            const pinned = addresses[0] as ResolvedAddress;
            options.onConnect?.({ url: href, host: hostname, address: pinned.address, port: target.port, hop: hopNo });
            if (lookupOptions.all) (callback as (e: null, a: ResolvedAddress[]) => void)(null, [pinned]);
            else callback(null, pinned.address, pinned.family);
          })
          .catch((err: unknown) => {
            policyError = err;
            callback(err as NodeJS.ErrnoException, '', 4);
          });
      };
      const lib = target.url.protocol === 'https:' ? nodeHttps() : nodeHttp();
      const req = lib.request({
        protocol: target.url.protocol,
        hostname: target.host,
        port: target.port,
        path: `${target.url.pathname}${target.url.search}`,
        method,
        headers: body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        agent: false,
        lookup,
        signal,
      });
      req.on('error', (err) => reject(policyError ?? err));
      req.on('response', (res) => {
        const status = res.statusCode ?? 0;
        const flat: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) flat[k] = Array.isArray(v) ? v.join(', ') : v;
        const location = REDIRECTS.has(status) ? flat['location'] : undefined;
        if (location !== undefined) {
          res.resume();
          resolve({ status, headers: flat, body: '', location });
          return;
        }
        const declared = Number(flat['content-length'] ?? '0');
        const tooLarge = () =>
          new RustchainError('E_HTTP_RESPONSE_TOO_LARGE', `response from ${href} exceeds ${maxBytes} bytes`, { details: { url: href, maxBytes }, nonRetryable: true });
        if (declared > maxBytes) {
          res.destroy();
          reject(tooLarge());
          return;
        }
        if (streaming) {
          // An error before the reader starts must not go unhandled (a crash): the stream keeps
          // its errored state and the reader's loop throws it (coded by cappedBody).
          res.on('error', () => {});
          resolve({ status, headers: flat, body: '', location: undefined, res });
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBytes) {
            res.destroy();
            reject(tooLarge());
            return;
          }
          chunks.push(chunk);
        });
        res.on('error', reject);
        res.on('end', () => resolve({ status, headers: flat, body: Buffer.concat(chunks).toString('utf8'), location: undefined }));
      });
      req.end(body);
    });
  }

  /** Follows redirects (each hop re-checked) to the final response; `streaming` leaves its body unread. */
  async function send(url: string, init: HttpRequestInit, streaming: boolean): Promise<{ result: HopResult; href: string; failure: (err: unknown) => unknown; maxBytes: number }> {
    const maxBytes = init.maxBytes ?? options.maxBytes ?? 10 * 1024 * 1024;
    const timeoutMs = init.timeoutMs ?? options.timeoutMs ?? 30_000;
    const deadline = AbortSignal.timeout(timeoutMs);
    const signal = init.signal ? AbortSignal.any([init.signal, deadline]) : deadline;
    const failure = (err: unknown): unknown => {
      if (isRustchainError(err)) return err;
      if (deadline.aborted) {
        return new RustchainError('E_HTTP_TIMEOUT', `request to ${url} did not finish within ${timeoutMs} ms`, { details: { url, timeoutMs }, cause: err });
      }
      if (init.signal?.aborted) return new RustchainError('E_STEP_CANCELLED', `request to ${url} was cancelled`, { details: { url }, cause: err });
      const errno = (err as NodeJS.ErrnoException).code;
      return new RustchainError('E_HTTP_REQUEST_FAILED', `request to ${url} failed: ${(err as Error).message}`, { details: { url, errno }, cause: err });
    };
    let method = (init.method ?? 'GET').toUpperCase();
    let headers: Record<string, string> = Object.fromEntries(Object.entries(init.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
    let body = init.body;
    let target = checkUrl(options.rules, url);
    try {
      for (let hopNo = 0; ; hopNo++) {
        const result = await hop(target, hopNo, method, headers, body, maxBytes, signal, streaming);
        if (result.location === undefined) return { result, href: target.url.href, failure, maxBytes };
        if (hopNo + 1 > maxRedirects) {
          throw new RustchainError('E_HTTP_REQUEST_FAILED', `more than ${maxRedirects} redirects from ${url}`, { details: { url, maxRedirects }, nonRetryable: true });
        }
        const nextHref = new URL(result.location, target.url).href;
        const next = checkRedirect(options.rules, nextHref, hopNo + 1);
        if (next.url.host !== target.url.host || next.url.protocol !== target.url.protocol) {
          headers = Object.fromEntries(Object.entries(headers).filter(([k]) => CROSS_HOST_SAFE_HEADERS.has(k)));
        }
        if (result.status === 303 || ((result.status === 301 || result.status === 302) && method === 'POST')) {
          if (method !== 'HEAD') method = 'GET';
          body = undefined;
          delete headers['content-type'];
        }
        target = next;
      }
    } catch (err) {
      throw failure(err);
    }
  }

  async function request(url: string, init: HttpRequestInit = {}): Promise<FetchResponse> {
    const { result, href } = await send(url, init, false);
    return { status: result.status, headers: result.headers, body: result.body, url: href };
  }

  async function stream(url: string, init: HttpRequestInit = {}): Promise<FetchStream> {
    const { result, href, failure, maxBytes } = await send(url, init, true);
    const res = result.res as IncomingMessage;
    return { status: result.status, headers: result.headers, url: href, body: cappedBody(res, maxBytes, href, failure), cancel: () => void res.destroy() };
  }

  return { request, stream };
}

/** Re-checks a redirect target; any refusal (scheme or host) becomes E_POLICY_REDIRECT_DENIED. */
function checkRedirect(rules: NetRules, href: string, hop: number): HttpTarget {
  try {
    return checkUrl(rules, href, hop);
  } catch (err) {
    if (isRustchainError(err) && err.code === 'E_POLICY_SCHEME_DENIED') {
      throw new RustchainError('E_POLICY_REDIRECT_DENIED', `redirect hop ${hop}: ${err.message}`, { details: { ...err.details, hop } });
    }
    throw err;
  }
}

/** The body of a streamed response as it arrives: capped at `maxBytes`, coded errors, the connection closed when the reader stops early. */
async function* cappedBody(res: IncomingMessage, maxBytes: number, href: string, failure: (err: unknown) => unknown): AsyncGenerator<Uint8Array, void, undefined> {
  let size = 0;
  try {
    for await (const chunk of res as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > maxBytes) {
        throw new RustchainError('E_HTTP_RESPONSE_TOO_LARGE', `response from ${href} exceeds ${maxBytes} bytes`, { details: { url: href, maxBytes }, nonRetryable: true });
      }
      yield chunk;
    }
  } catch (err) {
    throw failure(err);
  } finally {
    res.destroy();
  }
}
