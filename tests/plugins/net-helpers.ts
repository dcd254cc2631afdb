import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';

/** Real local servers for the network step-type tests: each counts the connections it accepted. */

/** What a test may after-hook. */
export interface AfterHook {
  after(fn: () => Promise<void> | void): void;
}

/** A started server: its port and how many connections it has accepted so far. */
export interface CountingServer {
  port: number;
  connections(): number;
}

async function listen(server: net.Server, t: AfterHook): Promise<CountingServer> {
  let connections = 0;
  const sockets = new Set<net.Socket>();
  server.on('connection', (s: net.Socket) => {
    connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  });
  return { port: (server.address() as AddressInfo).port, connections: () => connections };
}

/** A TCP server on 127.0.0.1 that accepts and closes nothing (the client hangs up). */
export function tcpServer(t: AfterHook): Promise<CountingServer> {
  return listen(net.createServer((s) => s.on('error', () => {})), t);
}

/** An HTTP server on 127.0.0.1: `/status/<n>` answers n, `/slow` never answers, anything else 200 `ok`. */
export function httpServer(t: AfterHook): Promise<CountingServer> {
  const server = http.createServer((req, res) => {
    const status = /^\/status\/(\d{3})$/.exec(req.url ?? '');
    if (req.url === '/slow') return;
    res.statusCode = status ? Number(status[1]) : 200;
    res.end('ok');
  });
  return listen(server, t);
}

/** A port nothing listens on (bound then released). */
export async function closedPort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
  return port;
}
