import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Value } from '@sinclair/typebox/value';
import plugin from '@rustchain/plugin-redis-get';
import setPlugin from '@rustchain/plugin-redis-set';
import { runStep } from '@rustchain/testing';
import { closedPort, tcpServer } from './net-helpers.ts';
import { NO_REDIS, startRedis } from './redis-helpers.ts';

const allow = (port: number) => ({ net: { allow: [`127.0.0.1:${port}`] } });

test('redis_get against a real redis-server', { skip: NO_REDIS }, async (t) => {
  const redis = await startRedis(t);
  const url = `redis://127.0.0.1:${redis.port}`;

  await t.test('GET an existing key through the real engine', async () => {
    await redis.client.set('city', 'Zürich');
    const run = await runStep(plugin, { key: 'city', redis_url: url }, { policy: allow(redis.port) });
    assert.equal(run.status, 'succeeded', JSON.stringify(run.error ?? run.diagnostics));
    assert.deepEqual(run.outputs, { key: 'city', value: 'Zürich', exists: true });
    assert.ok(Value.Check(plugin.outputs, run.outputs));
  });

  await t.test('a missing key is value: null, exists: false (success)', async () => {
    const run = await runStep(plugin, { key: 'nope', redis_url: url }, { policy: allow(redis.port) });
    assert.equal(run.status, 'succeeded');
    assert.deepEqual(run.outputs, { key: 'nope', value: null, exists: false });
  });

  await t.test('round trip with redis_set, in the db of the URL path', async () => {
    const set = await runStep(setPlugin, { key: 'rt', value: 'v1', redis_url: `${url}/5` }, { policy: allow(redis.port) });
    assert.equal(set.status, 'succeeded');
    const got = await runStep(plugin, { key: 'rt', redis_url: `${url}/5` }, { policy: allow(redis.port) });
    assert.equal(got.outputs['value'], 'v1');
    const other = await runStep(plugin, { key: 'rt', redis_url: url }, { policy: allow(redis.port) });
    assert.equal(other.outputs['exists'], false);
  });

  await t.test('a non-string key is E_REDIS_COMMAND (WRONGTYPE); a value over max_bytes is E_OUTPUT_TOO_LARGE', async () => {
    await redis.client.rpush('list', 'a');
    const run = await runStep(plugin, { key: 'list', redis_url: url }, { policy: allow(redis.port) });
    assert.equal(run.error?.code, 'E_REDIS_COMMAND');
    await redis.client.set('big', 'x'.repeat(100));
    const big = await runStep(plugin, { key: 'big', redis_url: url, max_bytes: 10 }, { policy: allow(redis.port) });
    assert.equal(big.error?.code, 'E_OUTPUT_TOO_LARGE');
  });

  await t.test('host not allowed: refused statically, 0 connections', async () => {
    const before = await redis.connections();
    const run = await runStep(plugin, { key: 'city', redis_url: url }, { policy: { net: { allow: [`127.0.0.1:${redis.port + 1}`] } } });
    assert.equal(run.status, 'refused');
    assert.ok(run.diagnostics.some((d) => d.code === 'E_POLICY_HOST_DENIED'));
    assert.equal(await redis.connections(), before);
  });
});

test('a closed port is E_NET_CONNECT_FAILED (from ctx.net, unchanged)', async () => {
  const port = await closedPort();
  const run = await runStep(plugin, { key: 'k', redis_url: `redis://127.0.0.1:${port}` }, { policy: allow(port) });
  assert.equal(run.status, 'failed');
  assert.equal(run.error?.code, 'E_NET_CONNECT_FAILED');
});

test('rediss:// connects with TLS: a plain server never completes the handshake -> E_NET_TIMEOUT', async (t) => {
  const server = await tcpServer(t);
  const run = await runStep(plugin, { key: 'k', redis_url: `rediss://127.0.0.1:${server.port}`, timeout_ms: 200 }, { policy: allow(server.port) });
  assert.equal(run.error?.code, 'E_NET_TIMEOUT');
  assert.equal(server.connections(), 1);
});
