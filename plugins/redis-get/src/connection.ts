import { AbstractConnector, Redis } from 'ioredis';
import { isRustchainError, PluginError, type ResourceClaim, type StepContext } from '@rustchain/core/plugin';

/**
 * A Redis connection whose socket comes from ctx.net.connect, so the network policy (host and
 * port allowlist, SSRF checks on every resolved address, pinned DNS, abort) applies. ioredis
 * takes a custom `Connector` (its public AbstractConnector, the hook its Sentinel support is
 * built on) and handles an already-connected stream, so we keep its RESP parser, AUTH and
 * SELECT instead of writing a client. Kept identical in redis_get and redis_set (plugins
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

/** Options of one connection. */
export interface ConnectOptions {
  /** Overrides the URL's password (from `password_env`). */
  password?: string;
  timeoutMs: number;
}

type Stream = Awaited<ReturnType<AbstractConnector['connect']>>;

/** Maps ioredis failures to stable codes; RustchainErrors (policy, E_NET_*) pass unchanged. */
function redisError(err: unknown, target: RedisTarget, ctx: StepContext): unknown {
  if (isRustchainError(err)) return err;
  const e = err as Error;
  const where = `${target.host}:${target.port}`;
  if (ctx.signal.aborted) return new PluginError('E_STEP_CANCELLED', `redis ${where}: cancelled`, { cause: err });
  if (e.name === 'ReplyError') {
    const auth = /^(NOAUTH|WRONGPASS|NOPERM)/.test(e.message);
    return new PluginError(auth ? 'E_REDIS_AUTH' : 'E_REDIS_COMMAND', `redis ${where}: ${e.message}`, { nonRetryable: true, details: { reply: e.message }, cause: err });
  }
  if (/timed out/i.test(e.message)) return new PluginError('E_REDIS_TIMEOUT', `redis ${where}: ${e.message}`, { cause: err });
  return new PluginError('E_REDIS_CONNECTION', `redis ${where}: ${e.message}`, { cause: err });
}

/** Opens a connection through ctx.net, runs `fn`, always closes. */
export async function withRedis<T>(ctx: StepContext, target: RedisTarget, options: ConnectOptions, fn: (redis: Redis) => Promise<T>): Promise<T> {
  const open = () => ctx.net.connect({ host: target.host, port: target.port, tls: target.tls, timeoutMs: options.timeoutMs });
  class NetConnector extends AbstractConnector {
    constructor() {
      super(1000);
    }
    override async connect(): Promise<Stream> {
      this.connecting = true;
      this.stream = await open();
      return this.stream;
    }
  }
  const password = options.password ?? target.password;
  const redis = new Redis({
    Connector: NetConnector,
    lazyConnect: true,
    db: target.db,
    ...(target.username === undefined ? {} : { username: target.username }),
    ...(password === undefined ? {} : { password }),
    commandTimeout: options.timeoutMs,
    // One step = one attempt: the engine's retry policy decides about retries, not ioredis.
    retryStrategy: () => null,
    reconnectOnError: () => false,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
  });
  // A failed AUTH is emitted here and then reported to the caller only as "Connection is
  // closed": keep the server's reply so the step fails with E_REDIS_AUTH.
  let reply: Error | undefined;
  redis.on('error', (err: Error) => {
    if (err.name === 'ReplyError') reply ??= err;
  });
  try {
    await redis.connect();
    return await fn(redis);
  } catch (err) {
    throw redisError(isRustchainError(err) || (err as Error).name === 'ReplyError' ? err : (reply ?? err), target, ctx);
  } finally {
    await redis.quit().catch(() => redis.disconnect());
  }
}
