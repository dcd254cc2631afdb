import { PluginError, type ResourceClaim, type StepContext } from '@rustchain/core/plugin';

/**
 * The cheap half of the redis step types: URL parsing, the password variable and the static
 * claims. The client itself (ioredis) lives in client.ts, which `run` imports dynamically, so
 * loading the plugin does not load ioredis. Kept identical in redis_get and redis_set (plugins
 * share no code but core's).
 */

/** Where a `redis://` / `rediss://` URL points. */
export interface RedisTarget {
  host: string;
  port: number;
  tls: boolean;
  db: number;
  username?: string;
  password?: string;
}

/** Default redis_url, as in the original. */
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/** Parses `redis[s]://[user[:password]@]host[:port][/db]`. */
export function parseRedisUrl(raw: string): RedisTarget {
  const invalid = (why: string) => new PluginError('E_PARAMS_INVALID', `redis_url ${JSON.stringify(raw)}: ${why}`, { nonRetryable: true, details: { redis_url: raw } });
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalid('not a valid URL');
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw invalid('the scheme must be redis: or rediss:');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (host === '') throw invalid('no host');
  const dbText = url.pathname.replace(/^\//, '');
  if (dbText !== '' && !/^\d+$/.test(dbText)) throw invalid('the path must be a database number');
  return {
    host,
    port: url.port === '' ? 6379 : Number(url.port),
    tls: url.protocol === 'rediss:',
    db: dbText === '' ? 0 : Number(dbText),
    ...(url.username === '' ? {} : { username: decodeURIComponent(url.username) }),
    ...(url.password === '' ? {} : { password: decodeURIComponent(url.password) }),
  };
}

/** The password named by `password_env` (through ctx.env, so the env policy applies); unset is an input error. */
export function passwordFrom(ctx: StepContext, name: string | undefined): string | undefined {
  if (name === undefined) return undefined;
  const value = ctx.env.get(name);
  if (value === undefined || value === '') {
    throw new PluginError('E_PARAMS_INVALID', `password_env names ${name}, which is not set`, { nonRetryable: true, details: { password_env: name } });
  }
  return value;
}

/** Static claims of the redis step types: the URL (host:port) and the password variable. */
export function redisClaims(p: { redis_url?: string; password_env?: string }): ResourceClaim[] {
  const claims: ResourceClaim[] = [
    { kind: 'net', url: p.redis_url ?? DEFAULT_REDIS_URL, pointer: p.redis_url === undefined ? '' : '/redis_url', schemes: ['redis:', 'rediss:'] },
  ];
  if (p.password_env !== undefined) claims.push({ kind: 'env', name: p.password_env, pointer: '/password_env' });
  return claims;
}
