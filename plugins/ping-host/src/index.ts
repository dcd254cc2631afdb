import { definePlugin, isRustchainError, PluginError, Type, type ResourceClaim, type StepContext } from '@rustchain/core/plugin';
import { parsePingOutput, summarise, type PingStats } from './stats.ts';

/**
 * `ping_host`: reachability and round-trip times. The default method is a TCP connect to
 * `port` through ctx.net (no raw sockets or root needed, and the network policy applies);
 * `method: icmp` runs the system `ping` through ctx.exec, so it needs `ping` in the command
 * allowlist, like the original (which always ran `ping -c <count> <host>`).
 */

const Params = Type.Object(
  {
    host: Type.String({ minLength: 1, description: 'host name or IP address' }),
    count: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, description: 'probes to send (default 4)' })),
    method: Type.Optional(Type.Union([Type.Literal('tcp'), Type.Literal('icmp')], { description: 'tcp (default): TCP connect time to `port`; icmp: the system ping' })),
    port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535, description: 'tcp: port to connect to (default 80)' })),
    timeout_ms: Type.Optional(Type.Integer({ minimum: 1, description: 'per-probe deadline (default 2000)' })),
    interval_ms: Type.Optional(Type.Integer({ minimum: 0, description: 'pause between probes (default 1000, like ping)' })),
    fail_if_unreachable: Type.Optional(Type.Boolean({ description: 'fail with E_PING_UNREACHABLE when no probe got an answer (default true)' })),
  },
  { additionalProperties: true },
);

const Ms = Type.Union([Type.Number(), Type.Null()]);
const Outputs = Type.Object({
  host: Type.String(),
  count: Type.Integer(),
  method: Type.Union([Type.Literal('tcp'), Type.Literal('icmp')]),
  port: Type.Optional(Type.Integer()),
  success: Type.Boolean({ description: 'at least one probe answered' }),
  sent: Type.Integer(),
  received: Type.Integer(),
  loss_percent: Type.Number(),
  min_ms: Ms,
  avg_ms: Ms,
  max_ms: Ms,
  rtt_ms: Type.Optional(Type.Array(Ms, { description: 'tcp: each probe, null when lost' })),
  output: Type.Optional(Type.String({ description: 'icmp: the ping output' })),
});
type Outputs = typeof Outputs.static;

const DEFAULT_COUNT = 4;
const DEFAULT_PORT = 80;
const DEFAULT_TIMEOUT_MS = 2000;
const DEFAULT_INTERVAL_MS = 1000;
// A host becomes one argv entry of `ping`: refuse anything that could read as an option.
const SAFE_HOST = /^[A-Za-z0-9_.:[\]%-]+$/;
const LOST = new Set(['E_NET_CONNECT_FAILED', 'E_NET_TIMEOUT']);

function pingArgv(host: string, count: number, timeoutMs: number, intervalMs: number | undefined): string[] {
  const argv = ['ping', '-c', String(count), '-W', String(Math.max(1, Math.ceil(timeoutMs / 1000)))];
  if (intervalMs !== undefined) argv.push('-i', String(Math.max(0.2, intervalMs / 1000)));
  return [...argv, host];
}

function checkHost(host: string): void {
  if (!SAFE_HOST.test(host) || host.startsWith('-')) {
    throw new PluginError('E_PARAMS_INVALID', `host ${JSON.stringify(host)} is not a host name or IP address`, { nonRetryable: true, details: { host } });
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (ms <= 0 || signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

async function tcpPing(host: string, port: number, count: number, timeoutMs: number, intervalMs: number, ctx: StepContext) {
  const rtts: (number | null)[] = [];
  for (let i = 0; i < count; i++) {
    if (i > 0) await sleep(intervalMs, ctx.signal);
    if (ctx.signal.aborted) throw new PluginError('E_STEP_CANCELLED', `ping ${host} was cancelled`);
    const started = performance.now();
    try {
      const socket = await ctx.net.connect({ host, port, timeoutMs });
      rtts.push(performance.now() - started);
      socket.destroy();
    } catch (err) {
      if (isRustchainError(err) && LOST.has(err.code)) rtts.push(null);
      else throw err;
    }
  }
  const stats = summarise(rtts);
  return { stats, rtt_ms: rtts.map((r) => (r === null ? null : Math.round(r * 1000) / 1000)) };
}

async function icmpPing(host: string, count: number, timeoutMs: number, intervalMs: number | undefined, ctx: StepContext) {
  const result = await ctx.exec.run(pingArgv(host, count, timeoutMs, intervalMs));
  const stats: PingStats | null = parsePingOutput(result.stdout);
  // iputils: 0 = answers, 1 = no answer, 2 (and anything else) = ping itself failed.
  if (stats === null || (result.exitCode !== 0 && result.exitCode !== 1)) {
    throw new PluginError('E_PING_FAILED', `ping ${host} failed (exit ${result.exitCode}): ${result.stderr.trim() || result.stdout.trim()}`, {
      details: { exit_code: result.exitCode, stderr: result.stderr, stdout: result.stdout },
    });
  }
  return { stats, output: result.stdout };
}

/** The `ping_host` step type: TCP-connect (default) or ICMP round trips. */
export default definePlugin({
  type: 'ping_host',
  description: 'Measures reachability and round-trip times of a host: TCP connect (default) or system ping',
  params: Params,
  outputs: Outputs,
  capabilities: ['net', 'exec'],
  effect: 'read',
  claims(p): ResourceClaim[] {
    if (p.method === 'icmp') return [{ kind: 'exec', argv: pingArgv(p.host, p.count ?? DEFAULT_COUNT, p.timeout_ms ?? DEFAULT_TIMEOUT_MS, p.interval_ms), pointer: '/method' }];
    const host = p.host.includes(':') && !p.host.startsWith('[') ? `[${p.host}]` : p.host;
    return [{ kind: 'net', url: `tcp://${host}:${p.port ?? DEFAULT_PORT}`, pointer: '/host' }];
  },
  async run(p, ctx) {
    const count = p.count ?? DEFAULT_COUNT;
    const timeoutMs = p.timeout_ms ?? DEFAULT_TIMEOUT_MS;
    checkHost(p.host);
    let outputs: Outputs;
    if (p.method === 'icmp') {
      const { stats, output } = await icmpPing(p.host, count, timeoutMs, p.interval_ms, ctx);
      outputs = { host: p.host, count, method: 'icmp', success: stats.received > 0, ...stats, output };
    } else {
      const port = p.port ?? DEFAULT_PORT;
      const { stats, rtt_ms } = await tcpPing(p.host, port, count, timeoutMs, p.interval_ms ?? DEFAULT_INTERVAL_MS, ctx);
      outputs = { host: p.host, count, method: 'tcp', port, success: stats.received > 0, ...stats, rtt_ms };
    }
    if (!outputs.success && p.fail_if_unreachable !== false) {
      throw new PluginError('E_PING_UNREACHABLE', `no answer from ${p.host} (${outputs.sent} probes, ${outputs.method})`, { details: { outputs } });
    }
    return outputs;
  },
});
