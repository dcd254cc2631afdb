import type { StepContext } from '@rustchain/core/plugin';
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';

/** Statuses whose Response may not have a body. */
const NO_BODY = new Set([101, 103, 204, 205, 304]);

/**
 * The `fetch` the SDK's StreamableHTTPClientTransport uses: every request through ctx.fetch
 * (host allowlist, SSRF checks after DNS, size cap). A GET (the optional standalone SSE stream
 * for server-initiated messages) is answered 405 locally, as a server without one would: a
 * tool call needs only the POST exchanges, whose SSE answers end with the response.
 */
export function policyFetch(ctx: Pick<StepContext, 'fetch'>, timeoutMs: number): FetchLike {
  return async (url, init) => {
    const method = (init?.method ?? 'GET').toUpperCase();
    if (method === 'GET') return new Response(null, { status: 405, headers: { allow: 'POST, DELETE' } });
    const headers: Record<string, string> = {};
    new Headers(init?.headers).forEach((value, key) => {
      headers[key] = value;
    });
    const body = init?.body;
    const response = await ctx.fetch.request(String(url), {
      method,
      headers,
      ...(typeof body === 'string' ? { body } : {}),
      timeoutMs,
    });
    return new Response(NO_BODY.has(response.status) ? null : response.body, { status: response.status, headers: response.headers });
  };
}
