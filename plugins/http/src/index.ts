import { definePlugin, RustchainError, Type, type FetchResponse } from '@rustchain/core/plugin';

/**
 * `http`: one HTTP request through `ctx.fetch`, so the network policy (scheme and host
 * allowlist, private-address blocking after DNS, per-hop redirect checks, size cap) applies.
 */

const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD'] as const;
/** Any case (`get`, `Post`): the original upper-cased the method, so missions wrote either. */
const METHOD_PATTERN = `^(?:${METHODS.map((m) => [...m].map((c) => `[${c}${c.toLowerCase()}]`).join('')).join('|')})$`;
const Status = Type.Integer({ minimum: 100, maximum: 599 });

/** Parameters of an `http` step. */
const Params = Type.Object(
  {
    url: Type.String({ minLength: 1, description: 'absolute http: or https: URL' }),
    method: Type.Optional(Type.String({ pattern: METHOD_PATTERN, description: `${METHODS.join(', ')}, in any case (default GET)` })),
    headers: Type.Optional(Type.Record(Type.String(), Type.String())),
    bearer_token: Type.Optional(
      Type.String({ minLength: 1, secret: true, description: 'sent as `Authorization: Bearer <token>`; secret: redacted from the ledger, results and logs' }),
    ),
    body: Type.Optional(Type.Unknown({ description: 'a string is sent as is; any other JSON value is sent as JSON' })),
    timeout_seconds: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'request deadline, redirects included (default 30)' })),
    fail_on_status: Type.Optional(Type.Boolean({ description: 'fail the step when status >= 400 (default true); ignored when expected_status is given' })),
    expected_status: Type.Optional(Type.Union([Status, Type.Array(Status, { minItems: 1 })], {
      description: 'the status (or list of statuses) that counts as success; any other fails with E_HTTP_STATUS, a 404 listed here succeeds',
    })),
    max_bytes: Type.Optional(Type.Integer({ minimum: 1, description: 'response body cap in bytes (default 10 MiB)' })),
  },
  // Open, like every step type: original missions carry keys the original ignored (`on_error`, `body_file`).
  { additionalProperties: true },
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
    const method = (params.method ?? 'GET').toUpperCase();
    const res = await ctx.fetch.request(params.url, {
      method,
      headers,
      ...(body === undefined ? {} : { body }),
      ...(params.timeout_seconds === undefined ? {} : { timeoutMs: Math.round(params.timeout_seconds * 1000) }),
      ...(params.max_bytes === undefined ? {} : { maxBytes: params.max_bytes }),
    });
    const outputs = toOutputs(res);
    const expected = params.expected_status === undefined ? undefined : [params.expected_status].flat();
    const failed = expected !== undefined ? !expected.includes(res.status) : (params.fail_on_status ?? true) && res.status >= 400;
    if (failed) {
      const wanted = expected === undefined ? '' : ` (expected ${expected.join(' or ')})`;
      throw new RustchainError('E_HTTP_STATUS', `${method} ${res.url} answered ${res.status}${wanted}`, {
        details: { status: res.status, url: res.url, outputs, ...(expected === undefined ? {} : { expected }) },
        nonRetryable: res.status < 500,
      });
    }
    return outputs;
  },
});
