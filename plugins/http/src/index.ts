import { definePlugin, RustchainError, Type, type FetchResponse } from '@rustchain/core/plugin';

/**
 * `http`: one HTTP request through `ctx.fetch`, so the network policy (scheme and host
 * allowlist, private-address blocking after DNS, per-hop redirect checks, size cap) applies.
 */

const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD'] as const;

/** Parameters of an `http` step. */
const Params = Type.Object(
  {
    url: Type.String({ minLength: 1, description: 'absolute http: or https: URL' }),
    method: Type.Optional(Type.Union(METHODS.map((m) => Type.Literal(m)), { description: 'default GET' })),
    headers: Type.Optional(Type.Record(Type.String(), Type.String())),
    bearer_token: Type.Optional(
      Type.String({ minLength: 1, secret: true, description: 'sent as `Authorization: Bearer <token>`; secret: redacted from the ledger, results and logs' }),
    ),
    body: Type.Optional(Type.Unknown({ description: 'a string is sent as is; any other JSON value is sent as JSON' })),
    timeout_seconds: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'request deadline, redirects included (default 30)' })),
    fail_on_status: Type.Optional(Type.Boolean({ description: 'fail the step when status >= 400 (default true)' })),
    max_bytes: Type.Optional(Type.Integer({ minimum: 1, description: 'response body cap in bytes (default 10 MiB)' })),
  },
  { additionalProperties: false },
);

/** Outputs of an `http` step. */
const Outputs = Type.Object({
  status: Type.Integer(),
  headers: Type.Record(Type.String(), Type.String()),
  body: Type.String(),
  json: Type.Unknown({ description: 'the parsed body when the response is JSON, else null' }),
  url: Type.String({ description: 'final URL after redirects' }),
});

/** True for `application/json` and `application/*+json`. */
function isJson(contentType: string | undefined): boolean {
  const media = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  return media === 'application/json' || (media.startsWith('application/') && media.endsWith('+json'));
}

function toOutputs(res: FetchResponse) {
  let json: unknown = null;
  if (isJson(res.headers['content-type']) && res.body.length > 0) {
    try {
      json = JSON.parse(res.body);
    } catch {
      json = null; // a server lying about its content type is data, not a step failure
    }
  }
  return { status: res.status, headers: res.headers, body: res.body, json, url: res.url };
}

/** The `http` step type: one request through ctx.fetch, under the network policy. */
export default definePlugin({
  type: 'http',
  description: 'Send one HTTP request (method, headers, body, JSON) under the network policy',
  params: Params,
  outputs: Outputs,
  capabilities: ['net'],
  effect: 'side-effect',
  // ctx.fetch speaks only HTTP: any other scheme is refused statically, not just at run time.
  claims: (params) => [{ kind: 'net', url: params.url, pointer: '/url', schemes: ['http:', 'https:'] }],
  async run(params, ctx) {
    const headers: Record<string, string> = { ...(params.headers ?? {}) };
    if (params.bearer_token !== undefined) headers['authorization'] = `Bearer ${params.bearer_token}`;
    let body: string | undefined;
    if (params.body !== undefined && params.body !== null) {
      if (typeof params.body === 'string') {
        body = params.body;
      } else {
        body = JSON.stringify(params.body);
        if (!Object.keys(headers).some((k) => k.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
      }
    }
    const res = await ctx.fetch.request(params.url, {
      method: params.method ?? 'GET',
      headers,
      ...(body === undefined ? {} : { body }),
      ...(params.timeout_seconds === undefined ? {} : { timeoutMs: Math.round(params.timeout_seconds * 1000) }),
      ...(params.max_bytes === undefined ? {} : { maxBytes: params.max_bytes }),
    });
    const outputs = toOutputs(res);
    if ((params.fail_on_status ?? true) && res.status >= 400) {
      throw new RustchainError('E_HTTP_STATUS', `${params.method ?? 'GET'} ${res.url} answered ${res.status}`, {
        details: { status: res.status, url: res.url, outputs },
        nonRetryable: res.status < 500,
      });
    }
    return outputs;
  },
});
