import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import https from 'node:https';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { WebSocketServer } from 'ws';
import plugin from '@rustchain/plugin-websocket-connect';
import { runStep } from '@rustchain/testing';
import { httpServer, type AfterHook } from './net-helpers.ts';

/**
 * A real WebSocket server on 127.0.0.1: echoes text; `stream` answers x, y, `DONE now`, z;
 * `bye` closes with 4001; `silent` answers nothing. Counts TCP connections and keeps the
 * last handshake headers.
 */
async function wsServer(t: AfterHook) {
  const server = http.createServer();
  let connections = 0;
  let lastHeaders: http.IncomingHttpHeaders = {};
  server.on('connection', () => connections++);
  const wss = new WebSocketServer({ server });
  wss.on('connection', (socket, req) => {
    lastHeaders = req.headers;
    socket.on('message', (data, isBinary) => {
      const text = data.toString();
      if (text === 'stream') for (const m of ['x', 'y', 'DONE now', 'z']) socket.send(m);
      else if (text === 'bye') socket.close(4001, 'bye');
      else if (text === 'binary') socket.send(Buffer.from([1, 2, 3]));
      else if (text !== 'silent') socket.send(data, { binary: isBinary });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(async () => {
    for (const c of wss.clients) c.terminate();
    wss.close();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });
  const port = (server.address() as AddressInfo).port;
  return { port, url: `ws://127.0.0.1:${port}/feed`, connections: () => connections, headers: () => lastHeaders };
}

const allow = (port: number) => ({ net: { allow: [`127.0.0.1:${port}`] } });

test('message -> echo, collected through the real engine', async (t) => {
  const ws = await wsServer(t);
  const run = await runStep(plugin, { url: ws.url, message: 'hello' }, { policy: allow(ws.port) });
  assert.equal(run.status, 'succeeded', JSON.stringify(run.error ?? run.diagnostics));
  assert.deepEqual(run.outputs, { url: ws.url, connected: true, message_sent: true, sent: 1, messages: ['hello'], count: 1, closed_by: 'collect', close_code: null });
  assert.ok(Value.Check(plugin.outputs, run.outputs));
  assert.equal(ws.connections(), 1);
});

test('messages in order, collect 2; headers reach the handshake; binary frames come back as base64', async (t) => {
  const ws = await wsServer(t);
  const run = await runStep(plugin, { url: ws.url, messages: ['a', 'b'], collect: 2, headers: { 'X-Token': 't1' } }, { policy: allow(ws.port) });
  assert.deepEqual(run.outputs['messages'], ['a', 'b']);
  assert.equal(ws.headers()['x-token'], 't1');
  const bin = await runStep(plugin, { url: ws.url, message: 'binary' }, { policy: allow(ws.port) });
  assert.deepEqual(bin.outputs['messages'], [Buffer.from([1, 2, 3]).toString('base64')]);
});

test('until stops at the first message containing the marker (included)', async (t) => {
  const ws = await wsServer(t);
  const run = await runStep(plugin, { url: ws.url, message: 'stream', until: 'DONE' }, { policy: allow(ws.port) });
  assert.deepEqual(run.outputs['messages'], ['x', 'y', 'DONE now']);
  assert.equal(run.outputs['closed_by'], 'until');
});

test('the server closing first is closed_by: server with its code; collect: 0 only sends (the original behaviour)', async (t) => {
  const ws = await wsServer(t);
  const run = await runStep(plugin, { url: ws.url, message: 'bye', collect: 3 }, { policy: allow(ws.port) });
  assert.equal(run.status, 'succeeded');
  assert.equal(run.outputs['closed_by'], 'server');
  assert.equal(run.outputs['close_code'], 4001);
  const sendOnly = await runStep(plugin, { url: ws.url, message: 'silent', collect: 0 }, { policy: allow(ws.port) });
  assert.equal(sendOnly.outputs['message_sent'], true);
  assert.equal(sendOnly.outputs['count'], 0);
});

test('nothing arrives: E_WEBSOCKET_TIMEOUT; fail_on_timeout: false returns closed_by: timeout', async (t) => {
  const ws = await wsServer(t);
  const run = await runStep(plugin, { url: ws.url, message: 'silent', timeout_ms: 200 }, { policy: allow(ws.port) });
  assert.equal(run.status, 'failed');
  assert.equal(run.error?.code, 'E_WEBSOCKET_TIMEOUT');
  const soft = await runStep(plugin, { url: ws.url, message: 'silent', timeout_ms: 200, fail_on_timeout: false }, { policy: allow(ws.port) });
  assert.equal(soft.status, 'succeeded');
  assert.equal(soft.outputs['closed_by'], 'timeout');
});

test('a plain HTTP server (no upgrade) is E_WEBSOCKET_HANDSHAKE', async (t) => {
  const server = await httpServer(t);
  const run = await runStep(plugin, { url: `ws://127.0.0.1:${server.port}/` }, { policy: allow(server.port) });
  assert.equal(run.error?.code, 'E_WEBSOCKET_HANDSHAKE');
});

test('host not allowed: refused statically, 0 connections; 127.1 from a template refused at run time under *', async (t) => {
  const ws = await wsServer(t);
  const run = await runStep(plugin, { url: ws.url, message: 'x' }, { policy: { net: { allow: ['example.com'] } } });
  assert.equal(run.status, 'refused');
  assert.ok(run.diagnostics.some((d) => d.code === 'E_POLICY_HOST_DENIED' && d.pointer === '/steps/0/parameters/url'));
  const templated = await runStep(plugin, { url: '${{ env.U }}' }, { env: { U: `ws://127.1:${ws.port}/` }, policy: { env: { allow: ['U'] }, net: { allow: '*' } } });
  assert.equal(templated.error?.code, 'E_POLICY_HOST_DENIED');
  assert.equal(ws.connections(), 0);
});

test('bad input: http:// URL is E_POLICY_SCHEME_DENIED; url is required', async () => {
  const run = await runStep(plugin, { url: 'http://127.0.0.1:1/' }, { policy: { net: { allow: '*' } } });
  assert.equal(run.status, 'refused');
  assert.ok(run.diagnostics.some((d) => d.code === 'E_POLICY_SCHEME_DENIED'));
  assert.equal(Value.Check(plugin.params, { message: 'x' }), false);
});

let hasOpenssl = true;
try {
  execFileSync('openssl', ['version'], { stdio: 'ignore' });
} catch {
  hasOpenssl = false;
}
test('wss:// does TLS through ctx.net: an untrusted self-signed certificate is E_NET_CONNECT_FAILED', { skip: hasOpenssl ? false : 'openssl is not installed' }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rc-wss-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=127.0.0.1'], { stdio: 'ignore' });
  const server = https.createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) });
  let handshakes = 0;
  server.on('secureConnection', () => handshakes++);
  let tlsErrors = 0;
  server.on('tlsClientError', () => tlsErrors++);
  new WebSocketServer({ server });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  const port = (server.address() as AddressInfo).port;
  const run = await runStep(plugin, { url: `wss://127.0.0.1:${port}/` }, { policy: allow(port) });
  assert.equal(run.error?.code, 'E_NET_CONNECT_FAILED');
  assert.equal(handshakes, 0);
});
