import type { EventEmitter } from 'node:events';
import { lstatSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { createNetCapability } from '../capabilities/net.ts';
import { isRustchainError, RustchainError } from '../errors.ts';
import type { Resolver } from '../net/client.ts';
import { nodeHttp } from '../net/node-net.ts';
import { canonicalHost } from '../net/url.ts';
import type { Policy } from '../policy/types.ts';

/**
 * The filtering HTTP proxy a sandboxed command reaches the network through (its namespace has
 * no other way out; see net-bridge.ts). `CONNECT host:port` (https, any TLS or TCP) and
 * absolute-form plain-http requests are accepted; each upstream connection is opened by
 * `ctx.net`'s connect, so the host/port allowlist, the single pinned DNS resolution and the
 * reserved-address rules are exactly those of ctx.fetch/ctx.net (one implementation). A
 * refusal is answered 403 with its code and reported; nothing is connected. The proxy
 * listens on a Unix socket in a private (0700) temp dir, never on a TCP port of the host.
 */

/**
 * The one directory (0700, this user's) holding every proxy socket of this user, so the sandbox
 * can hide it whole: a command whose roots happen to contain the temp dir must not reach the
 * proxy of another command (another run, another policy).
 */
export function proxySocketsDir(): string {
  return join(tmpdir(), `rustchain-net-${process.getuid?.() ?? 'user'}`);
}

/** A fresh private dir for one proxy: under proxySocketsDir() when that is ours and private. */
function proxyDir(): string {
  const parent = proxySocketsDir();
  try {
    mkdirSync(parent, { recursive: true, mode: 0o700 });
    const stat = lstatSync(parent);
    // Someone else's (or a symlink, or a group-writable) dir in a shared /tmp is not used.
    const ours = stat.isDirectory() && (process.getuid === undefined || stat.uid === process.getuid()) && (stat.mode & 0o077) === 0;
    if (ours) return mkdtempSync(join(parent, 'p-'));
  } catch {
    // Fall through to a private dir of its own.
  }
  return mkdtempSync(join(tmpdir(), 'rustchain-net-'));
}

/** A running proxy. */
export interface NetProxy {
  /** Path of the Unix socket (bind it into the namespace). */
  readonly socketPath: string;
  /** Stops listening, cuts every open tunnel and removes the socket's dir. Idempotent. */
  close(): Promise<void>;
}

/** Options of startNetProxy. */
interface NetProxyOptions {
  /** Called with every policy refusal (E_POLICY_*), before the 403 is sent. */
  onDenied?: (error: RustchainError) => void;
  /** DNS resolver (tests stub it). */
  resolver?: Resolver;
  /** Deadline for DNS + connect of one upstream connection (default 30 s). */
  connectTimeoutMs?: number;
}

/** Request and response headers that describe one hop, not the message: never forwarded. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

/** HTTP status a proxy answers for a coded failure. */
function statusFor(error: unknown): number {
  const code = isRustchainError(error) ? error.code : '';
  if (code.startsWith('E_POLICY_')) return 403;
  if (code === 'E_PARAMS_INVALID') return 400;
  if (code === 'E_NET_TIMEOUT') return 504;
  return 502;
}

function coded(error: unknown): RustchainError {
  return isRustchainError(error) ? error : new RustchainError('E_NET_CONNECT_FAILED', String(error), { cause: error });
}

/** Splits a CONNECT authority (`host:port`, `[v6]:port`); null when malformed. */
function parseAuthority(authority: string | undefined): { host: string; port: number } | null {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(authority ?? '');
  if (!m) return null;
  const host = canonicalHost(m[1] ?? m[2] ?? '');
  const port = Number(m[3]);
  return host === null || port < 1 || port > 65535 ? null : { host, port };
}

/** Starts a proxy applying `policy.net`; resolves once it listens. */
export async function startNetProxy(policy: Policy, options: NetProxyOptions = {}): Promise<NetProxy> {
  const dir = proxyDir();
  const socketPath = join(dir, 'proxy.sock');
  const clients = new Set<Duplex>();
  const timeoutMs = options.connectTimeoutMs ?? 30_000;

  /** Opens the upstream TCP connection under the policy; cut when `owner` (tunnel, response) closes. */
  const open = (host: string, port: number, owner: EventEmitter): Promise<Socket> => {
    const life = new AbortController();
    owner.once('close', () => life.abort());
    const net = createNetCapability(policy, life.signal, {
      ...(options.onDenied ? { onDenied: options.onDenied } : {}),
      ...(options.resolver ? { resolver: options.resolver } : {}),
    });
    return net.connect({ host, port, timeoutMs });
  };

  /** The refusal on a raw connection (CONNECT, upgrade), which is then closed. */
  const refuse = (client: Duplex, error: unknown): void => {
    const e = coded(error);
    const status = statusFor(e);
    const body = `${e.code}: ${e.message}\n`;
    client.end(
      `HTTP/1.1 ${status} ${nodeHttp().STATUS_CODES[status] ?? ''}\r\ncontent-type: text/plain; charset=utf-8\r\nx-rustchain-error: ${e.code}\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
  };

  /** The refusal as the answer to a plain-http request. */
  const answer = (req: IncomingMessage, res: ServerResponse, error: unknown): void => {
    req.resume();
    const e = coded(error);
    const body = `${e.code}: ${e.message}\n`;
    res.writeHead(statusFor(e), { 'content-type': 'text/plain; charset=utf-8', 'x-rustchain-error': e.code, 'content-length': Buffer.byteLength(body) }).end(body);
  };

  const tunnel = (client: Duplex, upstream: Socket, head: Buffer): void => {
    if (head.length > 0) upstream.write(head);
    upstream.pipe(client);
    client.pipe(upstream);
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.on('close', () => upstream.destroy());
  };

  const onConnect = (req: IncomingMessage, client: Duplex, head: Buffer): void => {
    const target = parseAuthority(req.url);
    if (target === null) {
      refuse(client, new RustchainError('E_PARAMS_INVALID', `CONNECT needs host:port, got ${JSON.stringify(req.url)}`));
      return;
    }
    open(target.host, target.port, client).then(
      (upstream) => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        tunnel(client, upstream, head);
      },
      (error: unknown) => refuse(client, error),
    );
  };

  /** Absolute-form `GET http://host/path`: forwarded in origin form over a checked connection. */
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    let url: URL | null = null;
    try {
      url = new URL(req.url ?? '');
    } catch {
      url = null;
    }
    const host = url === null ? null : canonicalHost(url.hostname);
    if (url === null || url.protocol !== 'http:' || host === null) {
      answer(req, res, new RustchainError('E_PARAMS_INVALID', `a proxy request needs an absolute http:// URL (https goes through CONNECT), got ${JSON.stringify(req.url)}`));
      return;
    }
    const port = url.port === '' ? 80 : Number(url.port);
    const path = `${url.pathname}${url.search}`;
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
    }
    // The Host header names the host that was checked, not one the client chose.
    headers['host'] = url.host;
    headers['connection'] = 'close';
    open(host, port, res).then(
      (upstream) => {
        const forward = nodeHttp().request({ createConnection: () => upstream, method: req.method, path, headers });
        forward.on('response', (reply) => {
          const out: Record<string, string | string[]> = {};
          for (const [name, value] of Object.entries(reply.headers)) {
            if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
          }
          res.writeHead(reply.statusCode ?? 502, reply.statusMessage, out);
          reply.pipe(res);
        });
        forward.on('error', () => res.destroy());
        req.pipe(forward);
      },
      (error: unknown) => answer(req, res, error),
    );
  };

  const server = nodeHttp().createServer(onRequest);
  server.on('connect', onConnect);
  // A plain-http upgrade (ws://) through the proxy: clients use CONNECT for those.
  server.on('upgrade', (_req: IncomingMessage, client: Duplex) => refuse(client, new RustchainError('E_PARAMS_INVALID', 'upgrade through the proxy: use CONNECT')));
  server.on('connection', (socket: Socket) => {
    clients.add(socket);
    socket.once('close', () => clients.delete(socket));
  });
  server.on('clientError', (_error, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // A detached process may outlive the run: the proxy then never holds the engine open.
  server.unref();

  let closing: Promise<void> | null = null;
  return {
    socketPath,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => {
          rmSync(dir, { recursive: true, force: true });
          resolve();
        });
        for (const socket of clients) socket.destroy();
      });
      return closing;
    },
  };
}
