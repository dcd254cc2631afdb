import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Value } from '@sinclair/typebox/value';
import plugin from '@rustchain/plugin-redis-set';
import { runStep } from '@rustchain/testing';
import { NO_REDIS, startRedis } from './redis-helpers.ts';

const allow = (port: number) => ({ net: { allow: [`127.0.0.1:${port}`] } });

test('redis_set against a real redis-server', { skip: NO_REDIS }, async (t) => {
  const redis = await startRedis(t);
  const url = `redis://127.0.0.1:${redis.port}`;

  await t.test('SET through the real engine; the value is in redis', async () => {
    const run = await runStep(plugin, { key: 'greeting', value: 'héllo', redis_url: url }, { policy: allow(redis.port) });
    assert.equal(run.status, 'succeeded', JSON.stringify(run.error ?? run.diagnostics));
    assert.deepEqual(run.outputs, { key: 'greeting', value: 'héllo', set: true });
    assert.ok(Value.Check(plugin.outputs, run.outputs));
    assert.equal(await redis.client.get('greeting'), 'héllo');
  });

  await t.test('ttl_seconds sets an expiry; numbers are stored as text; the db comes from the URL path', async () => {
    const run = await runStep(plugin, { key: 'n', value: 42, ttl_seconds: 60, redis_url: `${url}/3` }, { policy: allow(redis.port) });
    assert.equal(run.status, 'succeeded', JSON.stringify(run.error));
    assert.equal(run.outputs['value'], '42');
    assert.equal(await redis.client.get('n'), null, 'not in db 0');
    await redis.client.select(3);
    try {
      assert.equal(await redis.client.get('n'), '42');
      const ttl = await redis.client.ttl('n');
      assert.ok(ttl > 0 && ttl <= 60, `ttl ${ttl}`);
    } finally {
      await redis.client.select(0);
    }
  });

  await t.test('password from password_env through ctx.env; a wrong one is E_REDIS_AUTH', async () => {
    await redis.client.config('SET', 'requirepass', 's3cret-pass');
    try {
      const env = { policy: { ...allow(redis.port), env: { allow: ['REDIS_PW'] } } };
      const ok = await runStep(plugin, { key: 'auth', value: 'yes', redis_url: url, password_env: 'REDIS_PW' }, { ...env, env: { REDIS_PW: 's3cret-pass' } });
      assert.equal(ok.status, 'succeeded', JSON.stringify(ok.error));
      const bad = await runStep(plugin, { key: 'auth', value: 'no', redis_url: url, password_env: 'REDIS_PW' }, { ...env, env: { REDIS_PW: 'wrong' } });
      assert.equal(bad.status, 'failed');
      assert.equal(bad.error?.code, 'E_REDIS_AUTH');
      const none = await runStep(plugin, { key: 'auth', value: 'no', redis_url: url }, { policy: allow(redis.port) });
      assert.equal(none.error?.code, 'E_REDIS_AUTH');
      const unset = await runStep(plugin, { key: 'auth', value: 'no', redis_url: url, password_env: 'REDIS_PW' }, env);
      assert.equal(unset.error?.code, 'E_PARAMS_INVALID');
    } finally {
      await redis.client.config('SET', 'requirepass', '');
    }
    assert.equal(await redis.client.get('auth'), 'yes');
  });

  await t.test('a password variable the env policy does not pass is refused statically', async () => {
    const run = await runStep(plugin, { key: 'k', value: 'v', redis_url: url, password_env: 'REDIS_PW' }, { policy: allow(redis.port), env: { REDIS_PW: 'x' } });
    assert.equal(run.status, 'refused');
    assert.ok(run.diagnostics.some((d) => d.code === 'E_POLICY_ENV_DENIED'));
  });

  await t.test('host not allowed: refused statically (also the default URL), 0 connections', async () => {
    const before = await redis.connections();
    const run = await runStep(plugin, { key: 'k', value: 'v', redis_url: url }, { policy: { net: { allow: ['example.com'] } } });
    assert.equal(run.status, 'refused');
    assert.ok(run.diagnostics.some((d) => d.code === 'E_POLICY_HOST_DENIED' && d.pointer === '/steps/0/parameters/redis_url'));
    const byDefault = await runStep(plugin, { key: 'k', value: 'v' });
    assert.ok(byDefault.diagnostics.some((d) => d.code === 'E_POLICY_HOST_DENIED'));
    const templated = await runStep(plugin, { key: 'k', value: 'v', redis_url: '${{ env.U }}' }, { env: { U: `redis://127.1:${redis.port}` }, policy: { env: { allow: ['U'] }, net: { allow: '*' } } });
    assert.equal(templated.error?.code, 'E_POLICY_HOST_DENIED');
    assert.equal(await redis.connections(), before);
  });
});

test('bad input: not a redis URL, missing value, non-numeric db', async () => {
  assert.equal(Value.Check(plugin.params, { key: 'k' }), false);
  const http = await runStep(plugin, { key: 'k', value: 'v', redis_url: 'http://127.0.0.1:6379' }, { policy: { net: { allow: '*' } } });
  assert.equal(http.status, 'refused');
  assert.ok(http.diagnostics.some((d) => d.code === 'E_POLICY_SCHEME_DENIED'));
  const db = await runStep(plugin, { key: 'k', value: 'v', redis_url: 'redis://127.0.0.1:1/x' }, { policy: { net: { allow: ['127.0.0.1:1'] } } });
  assert.equal(db.error?.code, 'E_PARAMS_INVALID');
});
