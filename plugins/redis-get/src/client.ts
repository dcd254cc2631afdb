import { AbstractConnector, Redis } from 'ioredis';
import { isRustchainError, PluginError, type StepContext } from '@rustchain/core/plugin';
import type { RedisTarget } from './connection.ts';

/**
 * A Redis connection whose socket comes from ctx.net.connect, so the network policy (host and
 * port allowlist, SSRF checks on every resolved address, pinned DNS, abort) applies. ioredis
 * takes a custom `Connector` (its public AbstractConnector, the hook its Sentinel support is
 * built on) and handles an already-connected stream, so we keep its RESP parser, AUTH and
 * SELECT instead of writing a client. Kept identical in redis_get and redis_set (plugins
 * share no code but core's).
 */

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
