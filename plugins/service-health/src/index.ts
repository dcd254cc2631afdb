import { definePlugin, isRustchainError, PluginError, Type, type StepContext } from '@rustchain/core/plugin';
import { probeTarget, type ProbeTarget } from './target.ts';

/**
 * `service_health`: is a service up? A TCP connect (default) or an HTTP request, through
 * ctx.net / ctx.fetch so the network policy applies. Like the original, an unreachable
 * service is a successful step with `healthy: false` (a health check that answers "no" has
 * worked); `fail_if_unhealthy: true` turns that into E_SERVICE_UNHEALTHY. A policy refusal
 * is never "unhealthy": it fails the step.
 */

const Params = Type.Object(
  {
    service: Type.String({ minLength: 1, description: 'host name / IP, or a URL: http(s)://host[:port]/path or tcp://host:port' }),
    port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535, description: 'default 80 (a URL port wins; https URLs default to 443)' })),
    protocol: Type.Optional(Type.Union([Type.Literal('tcp'), Type.Literal('http')], { description: 'default tcp, or http when service is an http(s) URL' })),
    path: Type.Optional(Type.String({ description: 'http: request path (default the URL path, or /)' })),
    expected_status: Type.Optional(
      Type.Union([Type.Integer({ minimum: 100, maximum: 599 }), Type.Array(Type.Integer({ minimum: 100, maximum: 599 }), { minItems: 1 })], {
        description: 'http: status (or list) counted as healthy; default any status < 400',
      }),
    ),
    timeout_ms: Type.Optional(Type.Integer({ minimum: 1, description: 'probe deadline (default 5000, like the original)' })),
    fail_if_unhealthy: Type.Optional(Type.Boolean({ description: 'fail the step with E_SERVICE_UNHEALTHY instead of returning healthy: false' })),
  },
  { additionalProperties: true },
);

const Outputs = Type.Object({
  service: Type.String(),
  host: Type.String(),
  port: Type.Integer(),
  protocol: Type.Union([Type.Literal('tcp'), Type.Literal('http')]),
  healthy: Type.Boolean(),
  latency_ms: Type.Union([Type.Number(), Type.Null()], { description: 'connect (tcp) or full response (http) time; null when no answer' }),
  status: Type.Optional(Type.Integer({ description: 'http: the response status' })),
  error: Type.Optional(Type.String({ description: 'why it is unhealthy: an error code or `unexpected status`' })),
});

type Outputs = typeof Outputs.static;

const DEFAULT_TIMEOUT_MS = 5000;

/** Errors that mean "the service did not answer well", as opposed to a policy or input problem. */
const UNHEALTHY_CODES = new Set(['E_NET_CONNECT_FAILED', 'E_NET_TIMEOUT', 'E_HTTP_REQUEST_FAILED', 'E_HTTP_TIMEOUT', 'E_HTTP_RESPONSE_TOO_LARGE']);

async function probe(target: ProbeTarget, expected: readonly number[] | null, timeoutMs: number, ctx: StepContext): Promise<Omit<Outputs, 'service'>> {
  const base = { host: target.host, port: target.port, protocol: target.protocol };
  const started = performance.now();
  const elapsed = () => Math.round((performance.now() - started) * 100) / 100;
  try {
    if (target.protocol === 'tcp') {
      const socket = await ctx.net.connect({ host: target.host, port: target.port, timeoutMs });
      const latency = elapsed();
      socket.destroy();
      return { ...base, healthy: true, latency_ms: latency };
    }
    const res = await ctx.fetch.request(target.url, { method: 'GET', timeoutMs, maxBytes: 1024 * 1024 });
    const latency = elapsed();
    const healthy = expected ? expected.includes(res.status) : res.status < 400;
    return { ...base, healthy, latency_ms: latency, status: res.status, ...(healthy ? {} : { error: 'unexpected status' }) };
  } catch (err) {
    if (isRustchainError(err) && UNHEALTHY_CODES.has(err.code)) return { ...base, healthy: false, latency_ms: null, error: err.code };
    throw err;
  }
}

/** The `service_health` step type: a TCP or HTTP probe under the network policy. */
export default definePlugin({
  type: 'service_health',
  description: 'Checks that a service answers: TCP connect or HTTP status, with latency (network policy applies)',
  params: Params,
  outputs: Outputs,
  capabilities: ['net'],
  effect: 'read',
  claims(p) {
    const t = probeTarget(p);
    return [t.protocol === 'tcp'
      ? { kind: 'net', url: `tcp://${t.host.includes(':') ? `[${t.host}]` : t.host}:${t.port}`, pointer: '/service' }
      : { kind: 'net', url: t.url, pointer: '/service', schemes: ['http:', 'https:'] }];
  },
  async run(p, ctx) {
    const target = probeTarget(p);
    const expected = p.expected_status === undefined ? null : Array.isArray(p.expected_status) ? p.expected_status : [p.expected_status];
    const outputs: Outputs = { service: p.service, ...(await probe(target, expected, p.timeout_ms ?? DEFAULT_TIMEOUT_MS, ctx)) };
    if (!outputs.healthy && p.fail_if_unhealthy === true) {
      throw new PluginError('E_SERVICE_UNHEALTHY', `${p.service} (${target.protocol} ${target.host}:${target.port}) is unhealthy: ${outputs.error ?? 'no answer'}`, {
        details: { outputs },
      });
    }
    return outputs;
  },
});
