import { RustchainError } from '../errors.ts';
import type { FetchCapability, FetchResponse } from '../plugin/sdk.ts';
import { hostDenied, schemeDenied } from '../policy/denials.ts';
import type { Policy } from '../policy/types.ts';

/**
 * `ctx.fetch`, the walking-skeleton version: refuses every request unless policy.net names
 * the host (`host` or `host:port`, or `*`), re-checks every redirect hop, caps time and
 * size. The full network engine (DNS-pinned address classes, private ranges) replaces this
 * file in the policy issue; its exports are the seam.
 */

/** Default request timeout: 30 s. */
export const DEFAULT_FETCH_TIMEOUT_MS = 30_000;
/** Default response body cap: 10 MiB. */
export const DEFAULT_FETCH_MAX_BYTES = 10 * 1024 * 1024;
const MAX_REDIRECTS = 5;

function defaultPort(url: URL): number {
  return url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
}

/** Refusal for `url`, or null when the policy allows it. */
export function checkUrl(policy: Policy, url: string): RustchainError | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return schemeDenied(url, 'invalid URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return schemeDenied(url, parsed.protocol);
  const host = parsed.hostname.toLowerCase();
  if (policy.net.allow === '*') return null;
  const port = defaultPort(parsed);
  const ok = policy.net.allow.some((entry) => {
    const e = entry.toLowerCase();
    return e === host || e === `${host}:${port}`;
  });
  return ok ? null : hostDenied(url, host);
}

async function readCapped(response: Response, maxBytes: number, url: string): Promise<string> {
  if (!response.body) return '';
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    total += chunk.length;
    if (total > maxBytes) {
      throw new RustchainError('E_OUTPUT_TOO_LARGE', `the response from ${url} is larger than ${maxBytes} bytes`, {
        details: { url, maxBytes },
        nonRetryable: true,
      });
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total).toString('utf8');
}

/** Builds the fetch capability for one step. */
export function createFetchCapability(policy: Policy, signal: AbortSignal): FetchCapability {
  return {
    async request(url, init = {}) {
      let current = url;
      let headers: Record<string, string> = { ...(init.headers ?? {}) };
      const deadline = AbortSignal.any([signal, AbortSignal.timeout(init.timeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS)]);
      for (let hop = 0; ; hop++) {
        const denied = checkUrl(policy, current);
        if (denied) throw denied;
        let response: Response;
        try {
          response = await fetch(current, {
            method: init.method ?? 'GET',
            headers,
            redirect: 'manual',
            signal: deadline,
            ...(init.body !== undefined ? { body: init.body } : {}),
          });
        } catch (error) {
          const code = signal.aborted ? 'E_STEP_CANCELLED' : 'E_STEP_FAILED';
          throw new RustchainError(code, `request to ${current} failed: ${(error as Error).message}`, { details: { url: current }, cause: error });
        }
        const location = response.headers.get('location');
        if (response.status >= 300 && response.status < 400 && location !== null) {
          if (hop >= MAX_REDIRECTS) throw new RustchainError('E_POLICY_REDIRECT_DENIED', `more than ${MAX_REDIRECTS} redirects from ${url}`, { details: { url } });
          const next = new URL(location, current).toString();
          // Credentials never follow a redirect to another host.
          if (new URL(next).host !== new URL(current).host) {
            headers = Object.fromEntries(Object.entries(headers).filter(([k]) => !/^(authorization|cookie)$/i.test(k)));
          }
          await response.body?.cancel();
          current = next;
          continue;
        }
        const body = await readCapped(response, init.maxBytes ?? DEFAULT_FETCH_MAX_BYTES, current);
        const result: FetchResponse = { status: response.status, headers: Object.fromEntries(response.headers), body, url: current };
        return result;
      }
    },
  };
}
