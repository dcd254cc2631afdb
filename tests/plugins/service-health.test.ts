import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Value } from '@sinclair/typebox/value';
import plugin from '@rustchain/plugin-service-health';
import { runStep } from '@rustchain/testing';
import { closedPort, httpServer, tcpServer } from './net-helpers.ts';

const allow = (port: number) => ({ net: { allow: [`127.0.0.1:${port}`] } });

test('tcp (default): a listening port is healthy with a latency, through the real engine', async (t) => {
  const server = await tcpServer(t);
  const run = await runStep(plugin, { service: '127.0.0.1', port: server.port }, { policy: allow(server.port) });
  assert.equal(run.status, 'succeeded', JSON.stringify(run.error ?? run.diagnostics));
  assert.equal(run.outputs['healthy'], true);
  assert.equal(run.outputs['protocol'], 'tcp');
  assert.equal(typeof run.outputs['latency_ms'], 'number');
  assert.ok(Value.Check(plugin.outputs, run.outputs));
  assert.equal(server.connections(), 1);
});

test('tcp: a closed port is healthy: false (the step succeeds, like the original); fail_if_unhealthy fails it', async () => {
  const port = await closedPort();
  const run = await runStep(plugin, { service: '127.0.0.1', port }, { policy: allow(port) });
  assert.equal(run.status, 'succeeded');
  assert.equal(run.outputs['healthy'], false);
  assert.equal(run.outputs['latency_ms'], null);
  assert.equal(run.outputs['error'], 'E_NET_CONNECT_FAILED');
  const strict = await runStep(plugin, { service: '127.0.0.1', port, fail_if_unhealthy: true }, { policy: allow(port) });
  assert.equal(strict.status, 'failed');
  assert.equal(strict.error?.code, 'E_SERVICE_UNHEALTHY');
  assert.equal((strict.error?.details?.['outputs'] as { healthy: boolean }).healthy, false);
});

test('http: an http URL probes with GET; status and expected_status decide', async (t) => {
  const server = await httpServer(t);
  const ok = await runStep(plugin, { service: `http://127.0.0.1:${server.port}/healthz` }, { policy: allow(server.port) });
  assert.equal(ok.outputs['protocol'], 'http');
  assert.equal(ok.outputs['healthy'], true);
  assert.equal(ok.outputs['status'], 200);
  const bad = await runStep(plugin, { service: `http://127.0.0.1:${server.port}/status/503` }, { policy: allow(server.port) });
  assert.equal(bad.status, 'succeeded');
  assert.equal(bad.outputs['healthy'], false);
  assert.equal(bad.outputs['status'], 503);
  const expected = await runStep(plugin, { service: '127.0.0.1', port: server.port, protocol: 'http', path: '/status/204', expected_status: [204] }, { policy: allow(server.port) });
  assert.equal(expected.outputs['healthy'], true);
  assert.equal(expected.outputs['status'], 204);
});

test('http: a server that never answers is unhealthy after timeout_ms', async (t) => {
  const server = await httpServer(t);
  const started = Date.now();
  const run = await runStep(plugin, { service: `http://127.0.0.1:${server.port}/slow`, timeout_ms: 200 }, { policy: allow(server.port) });
  assert.equal(run.outputs['healthy'], false);
  assert.equal(run.outputs['error'], 'E_HTTP_TIMEOUT');
  assert.ok(Date.now() - started < 3000);
});

for (const [name, params] of [
  ['tcp', (port: number) => ({ service: '127.0.0.1', port })],
  ['http', (port: number) => ({ service: `http://127.0.0.1:${port}/` })],
] as const) {
  test(`${name}: a host outside the allowlist is refused by the static check, 0 connections`, async (t) => {
    const server = await (name === 'tcp' ? tcpServer(t) : httpServer(t));
    const run = await runStep(plugin, params(server.port), { policy: { net: { allow: ['example.com'] } } });
    assert.equal(run.status, 'refused');
    assert.ok(run.diagnostics.some((d) => d.code === 'E_POLICY_HOST_DENIED' && d.pointer === '/steps/0/parameters/service'));
    assert.equal(server.connections(), 0);
  });
}

test('a templated host is refused by the runtime guard (E_POLICY_HOST_DENIED), not reported unhealthy; 0 connections', async (t) => {
  const server = await tcpServer(t);
  const run = await runStep(plugin, { service: '${{ env.SVC }}', port: server.port }, { env: { SVC: '127.1' }, policy: { env: { allow: ['SVC'] }, net: { allow: ['example.com'] } } });
  assert.equal(run.status, 'failed');
  assert.equal(run.error?.code, 'E_POLICY_HOST_DENIED');
  assert.equal(server.connections(), 0);
});

test('bad input: missing service, bad port, unsupported URL scheme', async () => {
  assert.equal(Value.Check(plugin.params, { port: 80 }), false);
  assert.equal(Value.Check(plugin.params, { service: 'x', port: 0 }), false);
  const run = await runStep(plugin, { service: 'ftp://127.0.0.1/' }, { policy: { net: { allow: '*' } } });
  assert.notEqual(run.status, 'succeeded');
  assert.equal(run.error?.code ?? run.diagnostics[0]?.code, 'E_PARAMS_INVALID');
});

test('claims: tcp target as tcp://host:port, http target as its URL (http schemes only)', () => {
  assert.deepEqual(plugin.claims?.({ service: 'db.example.com', port: 5432 }), [{ kind: 'net', url: 'tcp://db.example.com:5432', pointer: '/service' }]);
  assert.deepEqual(plugin.claims?.({ service: 'https://api.example.com/healthz' }), [
    { kind: 'net', url: 'https://api.example.com:443/healthz', pointer: '/service', schemes: ['http:', 'https:'] },
  ]);
});
