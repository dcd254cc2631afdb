import { definePlugin, PluginError, Type } from '@rustchain/core/plugin';

/**
 * `websocket_connect`: opens a WebSocket (ws:/wss:) through ctx.net, sends `message` and
 * `messages`, then collects replies until `collect` messages arrived, one contains `until`,
 * or the server closes. The original only connected and sent `message`.
 */

const Params = Type.Object(
  {
    url: Type.String({ minLength: 1, description: 'ws:// or wss:// URL' }),
    message: Type.Optional(Type.String({ description: 'a text message sent first (the original parameter)' })),
    messages: Type.Optional(Type.Array(Type.String(), { description: 'text messages sent in order, after `message`' })),
    collect: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000, description: 'most messages to collect (default 1, or 1000 with `until`); 0 = send and close' })),
    until: Type.Optional(Type.String({ minLength: 1, description: 'stop collecting at the first message containing this text (it is included)' })),
    timeout_ms: Type.Optional(Type.Integer({ minimum: 1, description: 'deadline for connect, handshake and collection (default 10000)' })),
    headers: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'extra handshake request headers' })),
    fail_on_timeout: Type.Optional(Type.Boolean({ description: 'default true: the deadline fails the step (E_WEBSOCKET_TIMEOUT); false: return what arrived, closed_by: timeout' })),
    max_message_bytes: Type.Optional(Type.Integer({ minimum: 1, description: 'largest message accepted (default 1 MiB)' })),
  },
  { additionalProperties: true },
);

const Outputs = Type.Object({
  url: Type.String(),
  connected: Type.Boolean({ description: 'true (a failed connection fails the step)' }),
  message_sent: Type.Boolean({ description: 'at least one message was sent (the original output)' }),
  sent: Type.Integer(),
  messages: Type.Array(Type.String(), { description: 'received messages in order; binary frames as base64' }),
  count: Type.Integer(),
  closed_by: Type.Union([Type.Literal('collect'), Type.Literal('until'), Type.Literal('server'), Type.Literal('timeout')], {
    description: 'collect: enough messages; until: the marker arrived; server: the server closed first; timeout: the deadline (fail_on_timeout: false)',
  }),
  close_code: Type.Union([Type.Integer(), Type.Null()], { description: 'the close code when the server closed' }),
});

/** The `websocket_connect` step type. */
export default definePlugin({
  type: 'websocket_connect',
  description: 'Opens a WebSocket, sends messages and collects replies (network policy applies)',
  params: Params,
  outputs: Outputs,
  capabilities: ['net'],
  effect: 'side-effect',
  claims: (p) => [{ kind: 'net', url: p.url, pointer: '/url', schemes: ['ws:', 'wss:'] }],
  async run(p, ctx) {
    // ws loads only when a step runs: the registry imports every plugin at start-up.
    const { runSession } = await import('./session.ts');
    let url: URL;
    try {
      url = new URL(p.url);
    } catch {
      throw new PluginError('E_PARAMS_INVALID', `url ${JSON.stringify(p.url)} is not a valid URL`, { nonRetryable: true, details: { url: p.url } });
    }
    if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
      throw new PluginError('E_POLICY_SCHEME_DENIED', `url scheme ${url.protocol} is not allowed here (ws: or wss:)`, { details: { url: p.url, scheme: url.protocol } });
    }
    const send = [...(p.message ? [p.message] : []), ...(p.messages ?? [])];
    const result = await runSession(
      {
        url: p.url,
        headers: p.headers ?? {},
        send,
        collect: p.collect ?? (p.until === undefined ? 1 : 1000),
        until: p.until,
        timeoutMs: p.timeout_ms ?? 10_000,
        maxMessageBytes: p.max_message_bytes ?? 1024 * 1024,
        failOnTimeout: p.fail_on_timeout !== false,
      },
      ctx,
    );
    return {
      url: p.url,
      connected: true,
      message_sent: result.sent > 0,
      sent: result.sent,
      messages: result.messages,
      count: result.messages.length,
      closed_by: result.closedBy,
      close_code: result.closeCode,
    };
  },
});
