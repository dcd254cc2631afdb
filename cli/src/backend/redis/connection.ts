import { readFileSync } from 'node:fs';
import { connect, isIP } from 'node:net';
import { isAbsolute, resolve } from 'node:path';
import { RustchainError, type ErrorCode } from '@rustchain/core';
import { Redis, type RedisOptions } from 'ioredis';

/**
 * How the coordinator and workers reach Redis: `redis://` or `rediss://` (TLS) URLs, the
 * password from an environment variable the config names (never written in the config or on
 * the command line), and one check that maps every way of not getting there (down, auth, TLS)
 * to a stable code before anything runs.
 */

/** rustchain.config `settings.redis_backend` (every key optional). */
interface RedisBackendSettings {
  /** Environment variable holding the Redis password (overrides a password in the URL). */
  password_env?: string;
  /** PEM file of the CA that signed the server's certificate (rediss://), relative to the config's directory. */
  tls_ca_file?: string;
  /** Cap on a step's serialised outputs carried through Redis. */
  max_output_bytes?: number;
}

/** Reads settings.redis_backend, refusing a malformed one with E_CONFIG_INVALID-style usage errors. */
export function backendSettings(settings: Readonly<Record<string, unknown>> | undefined): RedisBackendSettings {
  const raw = settings?.['redis_backend'];
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw usage('settings.redis_backend must be a mapping');
  const value = raw as Record<string, unknown>;
  const out: RedisBackendSettings = {};
  if (value['password_env'] !== undefined) {
    if (typeof value['password_env'] !== 'string' || value['password_env'] === '') throw usage('settings.redis_backend.password_env must be a variable name');
    out.password_env = value['password_env'];
  }
  if (value['tls_ca_file'] !== undefined) {
    if (typeof value['tls_ca_file'] !== 'string') throw usage('settings.redis_backend.tls_ca_file must be a path');
    out.tls_ca_file = value['tls_ca_file'];
  }
  if (value['max_output_bytes'] !== undefined) {
    const n = value['max_output_bytes'];
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) throw usage('settings.redis_backend.max_output_bytes must be a positive integer');
    out.max_output_bytes = n;
  }
  return out;
}

function usage(message: string): RustchainError {
  return new RustchainError('E_USAGE', message, { nonRetryable: true });
}

/** ioredis options for `url` (redis:// or rediss://) with the configured password and CA. */
export function redisOptions(url: string, settings: RedisBackendSettings, env: Readonly<Record<string, string | undefined>>, configDir: string): RedisOptions {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw usage(`--redis must be a redis:// or rediss:// URL, got \`${url}\``);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') throw usage(`--redis must be a redis:// or rediss:// URL, got \`${parsed.protocol}\``);
  const options: RedisOptions = {
    host: parsed.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1',
    port: parsed.port === '' ? 6379 : Number(parsed.port),
    // BullMQ's blocking connections require it; commands wait for a reconnect instead of failing.
    maxRetriesPerRequest: null,
    connectTimeout: 5000,
  };
  if (parsed.username !== '') options.username = decodeURIComponent(parsed.username);
  if (parsed.password !== '') options.password = decodeURIComponent(parsed.password);
  const db = parsed.pathname.replace(/^\//, '');
  if (db !== '') {
    if (!/^\d+$/.test(db)) throw usage(`the database in --redis must be a number, got \`${db}\``);
    options.db = Number(db);
  }
  if (settings.password_env !== undefined) {
    const password = env[settings.password_env];
    if (password === undefined || password === '') {
      throw new RustchainError('E_BACKEND_AUTH', `settings.redis_backend.password_env names ${settings.password_env}, which is not set`, {
        details: { variable: settings.password_env },
        nonRetryable: true,
      });
    }
    options.password = password;
  }
  if (parsed.protocol === 'rediss:') {
    const ca = settings.tls_ca_file === undefined ? undefined : readFileSync(isAbsolute(settings.tls_ca_file) ? settings.tls_ca_file : resolve(configDir, settings.tls_ca_file), 'utf8');
    // SNI takes host names only (RFC 6066); an IP address is checked against the certificate's IP SANs.
    const host = options.host ?? 'localhost';
    options.tls = { ...(isIP(host) === 0 ? { servername: host } : {}), ...(ca === undefined ? {} : { ca }) };
  }
  return options;
}

/** The URL as it may be shown: without its password. */
export function shownUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<invalid url>';
  }
}

const TLS_CODES = /^(ERR_TLS|ERR_SSL|EPROTO$|DEPTH_ZERO_SELF_SIGNED_CERT$|SELF_SIGNED_CERT_IN_CHAIN$|UNABLE_TO_|CERT_|ERR_OSSL)/;

/** The stable code of a connection error (by its Node/Redis code and reply, never its wording alone). */
function connectionErrorCode(error: unknown): ErrorCode {
  const code = String((error as { code?: unknown } | null)?.code ?? '');
  const message = error instanceof Error ? error.message : String(error);
  if (TLS_CODES.test(code) || /certificate|SSL routines|wrong version number/i.test(message)) return 'E_BACKEND_TLS';
  if (/^(NOAUTH|WRONGPASS)\b|invalid (username-)?password|AUTH.*without any password|NOPERM/i.test(message)) return 'E_BACKEND_AUTH';
  return 'E_BACKEND_UNAVAILABLE';
}

/**
 * Connects once, authenticates and PINGs, then disconnects: a clear coded error (exit 2,
 * nothing ran) instead of BullMQ retrying an unreachable server for ever.
 */
export async function checkRedis(url: string, options: RedisOptions, timeoutMs = 5000): Promise<void> {
  const client = new Redis({ ...options, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false, connectTimeout: timeoutMs });
  let firstError: unknown = null;
  client.on('error', (error: unknown) => {
    firstError ??= error;
  });
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    const cause = firstError ?? error;
    let code = connectionErrorCode(cause);
    // A plain-text server never answers a TLS hello: the handshake times out although TCP connects.
    if (code === 'E_BACKEND_UNAVAILABLE' && options.tls !== undefined && (await tcpConnects(options.host ?? '127.0.0.1', options.port ?? 6379, timeoutMs))) code = 'E_BACKEND_TLS';
    const reason = cause instanceof Error ? cause.message : String(cause);
    const why = code === 'E_BACKEND_TLS' && connectionErrorCode(cause) !== 'E_BACKEND_TLS' ? `the port accepts TCP but no TLS handshake completed (${reason}): is it a TLS port?` : reason;
    throw new RustchainError(code, `cannot use Redis at ${shownUrl(url)}: ${why}`, { details: { url: shownUrl(url) }, nonRetryable: true, cause });
  } finally {
    client.disconnect();
  }
}

/** Whether a plain TCP connection to host:port opens within `timeoutMs`. */
function tcpConnects(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: timeoutMs }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
    socket.on('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}
