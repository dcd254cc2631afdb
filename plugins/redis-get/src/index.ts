import { definePlugin, PluginError, Type } from '@rustchain/core/plugin';
// The connection (URL, password, claims, ioredis client) is redis_set's: one implementation.
import { DEFAULT_REDIS_URL, parseRedisUrl, passwordFrom, redisClaims } from '@rustchain/plugin-redis-set/connection';

/** `redis_get`: GET a key over a policy-checked connection; a missing key is `value: null`. */

const Params = Type.Object(
  {
    key: Type.String({ minLength: 1 }),
    redis_url: Type.Optional(Type.String({ minLength: 1, description: `redis[s]://[user[:password]@]host[:port][/db] (default ${DEFAULT_REDIS_URL})` })),
    password_env: Type.Optional(Type.String({ minLength: 1, description: 'name of the environment variable holding the password (read through ctx.env)' })),
    timeout_ms: Type.Optional(Type.Integer({ minimum: 1, description: 'connect and per-command deadline (default 10000)' })),
    max_bytes: Type.Optional(Type.Integer({ minimum: 1, description: 'largest value read (default 10 MiB): STRLEN is checked before GET' })),
  },
  { additionalProperties: true },
);

const Outputs = Type.Object({
  key: Type.String(),
  value: Type.Union([Type.String(), Type.Null()], { description: 'the value (UTF-8 text), null when the key does not exist' }),
  exists: Type.Boolean(),
});

const DEFAULT_MAX_BYTES = 10 * 1024 * 1024;

/** The `redis_get` step type. */
export default definePlugin({
  type: 'redis_get',
  description: 'Reads a Redis key (null when missing); the connection goes through the network policy',
  params: Params,
  outputs: Outputs,
  capabilities: ['net', 'env'],
  effect: 'read',
  claims: redisClaims,
  async run(p, ctx) {
    // ioredis loads only when a step runs: the registry imports every plugin at start-up.
    const { withRedis } = await import('@rustchain/plugin-redis-set/client');
    const target = parseRedisUrl(p.redis_url ?? DEFAULT_REDIS_URL);
    const password = passwordFrom(ctx, p.password_env);
    const maxBytes = p.max_bytes ?? DEFAULT_MAX_BYTES;
    const value = await withRedis(ctx, target, { timeoutMs: p.timeout_ms ?? 10_000, ...(password === undefined ? {} : { password }) }, async (redis) => {
      // STRLEN first so a huge value is refused before it is pulled into memory.
      const size = await redis.strlen(p.key);
      if (size > maxBytes) {
        throw new PluginError('E_OUTPUT_TOO_LARGE', `value of ${p.key} is ${size} bytes, more than max_bytes ${maxBytes}`, { nonRetryable: true, details: { key: p.key, size, maxBytes } });
      }
      return redis.get(p.key);
    });
    return { key: p.key, value, exists: value !== null };
  },
});
