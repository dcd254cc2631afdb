import { definePlugin, Type } from '@rustchain/core/plugin';
import { DEFAULT_REDIS_URL, parseRedisUrl, passwordFrom, redisClaims } from './connection.ts';

/** `redis_set`: SET a key (optionally with a TTL) over a policy-checked connection. */

const Params = Type.Object(
  {
    key: Type.String({ minLength: 1 }),
    value: Type.Union([Type.String(), Type.Number(), Type.Boolean()], { description: 'numbers and booleans are stored as their text' }),
    redis_url: Type.Optional(Type.String({ minLength: 1, description: `redis[s]://[user[:password]@]host[:port][/db] (default ${DEFAULT_REDIS_URL})` })),
    ttl_seconds: Type.Optional(Type.Integer({ minimum: 1, description: 'expire the key after this many seconds (SET ... EX)' })),
    password_env: Type.Optional(Type.String({ minLength: 1, description: 'name of the environment variable holding the password (read through ctx.env)' })),
    timeout_ms: Type.Optional(Type.Integer({ minimum: 1, description: 'connect and per-command deadline (default 10000)' })),
  },
  { additionalProperties: true },
);

const Outputs = Type.Object({
  key: Type.String(),
  value: Type.String(),
  set: Type.Boolean(),
  ttl_seconds: Type.Optional(Type.Integer()),
});

/** The `redis_set` step type. */
export default definePlugin({
  type: 'redis_set',
  description: 'Sets a Redis key (optional TTL); the connection goes through the network policy',
  params: Params,
  outputs: Outputs,
  capabilities: ['net', 'env'],
  effect: 'idempotent',
  claims: redisClaims,
  async run(p, ctx) {
    // ioredis loads only when a step runs: the registry imports every plugin at start-up.
    const { withRedis } = await import('./client.ts');
    const target = parseRedisUrl(p.redis_url ?? DEFAULT_REDIS_URL);
    const password = passwordFrom(ctx, p.password_env);
    const value = String(p.value);
    await withRedis(ctx, target, { timeoutMs: p.timeout_ms ?? 10_000, ...(password === undefined ? {} : { password }) }, (redis) =>
      p.ttl_seconds === undefined ? redis.set(p.key, value) : redis.set(p.key, value, 'EX', p.ttl_seconds),
    );
    return { key: p.key, value, set: true, ...(p.ttl_seconds === undefined ? {} : { ttl_seconds: p.ttl_seconds }) };
  },
});
