import type { Socket } from 'node:net';
import WebSocket from 'ws';
import { isRustchainError, PluginError, type StepContext } from '@rustchain/core/plugin';

/** One WebSocket session: connect through ctx.net, send, collect until a stop condition. */

/** Why collection stopped. */
type ClosedBy = 'collect' | 'until' | 'server' | 'timeout';

/** What a session produced. */
export interface SessionResult {
  messages: string[];
  sent: number;
  closedBy: ClosedBy;
  closeCode: number | null;
}

/** What a session does. */
export interface SessionPlan {
  url: string;
  headers: Record<string, string>;
  send: string[];
  /** Most messages collected; collection also stops at the first message containing `until`. */
  collect: number;
  until: string | undefined;
  timeoutMs: number;
  maxMessageBytes: number;
  /** Reject with E_WEBSOCKET_TIMEOUT at the deadline (else resolve with closedBy: timeout once open). */
  failOnTimeout: boolean;
}

/** Text frames as text; binary frames as base64 (a JSON output cannot hold raw bytes). */
function decode(data: WebSocket.RawData, isBinary: boolean): string {
  const buffer = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
  return isBinary ? buffer.toString('base64') : buffer.toString('utf8');
}

function failure(err: unknown, plan: SessionPlan): unknown {
  if (isRustchainError(err)) return err;
  const message = (err as Error).message;
  const status = /Unexpected server response: (\d+)/.exec(message);
  if (status) {
    return new PluginError('E_WEBSOCKET_HANDSHAKE', `${plan.url}: the server answered ${status[1]} instead of switching to WebSocket`, {
      details: { url: plan.url, status: Number(status[1]) },
      cause: err,
    });
  }
  if (/handshake has timed out/i.test(message)) return new PluginError('E_WEBSOCKET_TIMEOUT', `${plan.url}: ${message}`, { details: { url: plan.url }, cause: err });
  return new PluginError('E_WEBSOCKET_FAILED', `${plan.url}: ${message}`, { details: { url: plan.url }, cause: err });
}

/**
 * Runs the session. The socket comes from ctx.net.connect through ws's `createConnection`
 * hook (ws hands it to http/https.request, which accept an asynchronous callback), so the
 * host, port and every resolved address pass the network policy; for wss: ctx.net does the
 * TLS handshake (servername = the URL host) and https.request adds none of its own.
 */
export function runSession(plan: SessionPlan, ctx: StepContext): Promise<SessionResult> {
  return new Promise<SessionResult>((resolve, reject) => {
    const messages: string[] = [];
    let sent = 0;
    let settled = false;
    const url = new URL(plan.url);
    const secure = url.protocol === 'wss:';
    const createConnection = (options: { host?: string; port?: number | string }, callback: (err: Error | null, socket?: Socket) => void): undefined => {
      ctx.net
        .connect({ host: options.host ?? url.hostname, port: Number(options.port), tls: secure, timeoutMs: plan.timeoutMs })
        .then((socket) => callback(null, socket), (err: Error) => callback(err));
      return undefined;
    };
    const ws = new WebSocket(plan.url, {
      headers: plan.headers,
      handshakeTimeout: plan.timeoutMs,
      maxPayload: plan.maxMessageBytes,
      followRedirects: false,
      perMessageDeflate: false,
      createConnection: createConnection as never,
    });
    const timer = setTimeout(() => {
      if (!plan.failOnTimeout && ws.readyState === WebSocket.OPEN) return finish({ closedBy: 'timeout', closeCode: null });
      finish(new PluginError('E_WEBSOCKET_TIMEOUT', `${plan.url}: ${messages.length} message(s) received within ${plan.timeoutMs} ms`, {
        details: { url: plan.url, outputs: { messages, count: messages.length, sent } },
      }));
    }, plan.timeoutMs);
    const onAbort = () => finish(new PluginError('E_STEP_CANCELLED', `${plan.url}: cancelled`));
    ctx.signal.addEventListener('abort', onAbort, { once: true });

    function finish(outcome: Error | { closedBy: ClosedBy; closeCode: number | null }): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      ctx.signal.removeEventListener('abort', onAbort);
      if (outcome instanceof Error) {
        ws.terminate();
        reject(outcome);
        return;
      }
      if (ws.readyState === WebSocket.OPEN) {
        ws.close(1000);
        // A server that never answers the close frame does not hold the step.
        setTimeout(() => ws.terminate(), 1000).unref();
      }
      resolve({ messages, sent, ...outcome });
    }

    ws.on('open', () => {
      for (const text of plan.send) {
        ws.send(text);
        sent++;
      }
      if (plan.collect === 0) finish({ closedBy: 'collect', closeCode: null });
    });
    ws.on('message', (data, isBinary) => {
      if (settled) return;
      const text = decode(data, isBinary);
      messages.push(text);
      if (plan.until !== undefined && text.includes(plan.until)) finish({ closedBy: 'until', closeCode: null });
      else if (messages.length >= plan.collect) finish({ closedBy: 'collect', closeCode: null });
    });
    ws.on('close', (code) => finish({ closedBy: 'server', closeCode: code }));
    ws.on('error', (err) => finish(failure(err, plan) as Error));
  });
}
