// Shared by ftp_upload and ftp_download (plugins never import each other): this file is kept
// byte-identical in plugins/ftp-upload/src and plugins/ftp-download/src, which a test checks.
// node:tls only wraps sockets ctx.net already opened (FTPS must reuse the control session's TLS
// session on the data connection, which ctx.net.connect cannot): it opens no connection itself.
// eslint-disable-next-line no-restricted-imports
import { connect as tlsUpgrade, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { Client, FTPError, type FTPContext, type FTPResponse } from 'basic-ftp';
import { PluginError, RustchainError, isRustchainError, type StepContext } from '@rustchain/core/plugin';
import { portOf, type ConnectionParams } from './ftp-params.ts';

/**
 * An FTP(S) session whose control AND passive data connections are opened by `ctx.net`
 * (network policy, SSRF rules, DNS pinning, abort). basic-ftp speaks the protocol: we hand it
 * the control socket and replace its passive-mode strategy (`client.prepareTransfer`, its
 * documented hook) with one that connects through ctx.net. The data connection always goes
 * to the control host (the PASV reply's IP is ignored: no FTP bounce, no SSRF through a
 * hostile server). TLS on the data socket reuses the control session, as servers require.
 */

const DEFAULT_TIMEOUT_MS = 30_000;

/** Where the session goes, for error details. */
interface Endpoint {
  host: string;
  port: number;
}

/** Node/OpenSSL error codes of a failed TLS handshake or certificate check. */
const TLS_ERROR = /CERT|SSL|TLS|SELF_SIGNED|HOSTNAME|ALTNAME/;

/** Maps whatever a session threw to a coded error (RustchainErrors pass through). */
export function ftpFailure(error: unknown, at: Endpoint, phase: string): RustchainError {
  const message = error instanceof Error ? error.message : String(error);
  const details = { ...at, phase, reason: message };
  const tlsCode = (error as { cause?: { code?: unknown } } | undefined)?.cause?.code;
  // Implicit FTPS fails its certificate check inside ctx.net.connect: same code as explicit FTPS.
  if (isRustchainError(error) && error.code === 'E_NET_CONNECT_FAILED' && typeof tlsCode === 'string' && TLS_ERROR.test(tlsCode)) {
    return new PluginError('E_FTP_TLS_FAILED', `TLS with ${at.host}:${at.port} failed: ${message}`, { details: { ...details, tls_code: tlsCode }, nonRetryable: true, cause: error });
  }
  if (isRustchainError(error)) return error;
  if (error instanceof FTPError) {
    const reply = { ...details, ftp_code: error.code };
    if (phase === 'login' && (error.code === 530 || error.code === 331 || error.code === 332)) {
      return new PluginError('E_FTP_AUTH_FAILED', `${at.host}:${at.port} refused the login: ${message}`, { details: reply, nonRetryable: true });
    }
    if (phase === 'tls') return new PluginError('E_FTP_TLS_FAILED', `${at.host}:${at.port} refused AUTH TLS: ${message}`, { details: reply, nonRetryable: true });
    if ([450, 550, 551, 553].includes(error.code)) {
      return new PluginError('E_FTP_FILE_UNAVAILABLE', `${at.host}: ${phase} refused (${error.code}): ${message}`, { details: reply, nonRetryable: error.code !== 450 });
    }
    return new PluginError('E_FTP_SERVER_ERROR', `${at.host}: ${phase} failed (${error.code}): ${message}`, { details: reply, nonRetryable: error.code >= 500 });
  }
  if (/^Timeout/i.test(message)) return new PluginError('E_FTP_TIMEOUT', `${at.host}:${at.port}: no answer during ${phase}`, { details });
  const tlsError = (error as { code?: unknown } | undefined)?.code;
  if (phase === 'tls' || (typeof tlsError === 'string' && TLS_ERROR.test(tlsError))) {
    return new PluginError('E_FTP_TLS_FAILED', `TLS with ${at.host}:${at.port} failed: ${message}`, { details: { ...details, tls_code: tlsError }, nonRetryable: true });
  }
  return new PluginError('E_FTP_CONNECTION_FAILED', `FTP session with ${at.host}:${at.port} failed during ${phase}: ${message}`, { details, cause: error });
}

/** `229 Entering Extended Passive Mode (|||6446|)` → 6446. */
function epsvPort(message: string): number | null {
  const match = /\(([!-~])\1\1(\d+)\1\)/.exec(message);
  return match ? Number(match[2]) : null;
}

/** `227 Entering Passive Mode (h1,h2,h3,h4,p1,p2)` → p1*256+p2 (the host part is ignored on purpose). */
function pasvPort(message: string): number | null {
  const match = /(\d+),(\d+),(\d+),(\d+),(\d+),(\d+)/.exec(message);
  return match ? (Number(match[5]) & 255) * 256 + (Number(match[6]) & 255) : null;
}

/** The passive strategy: EPSV, else PASV; the data socket comes from ctx.net, to the control host. */
function passiveThroughNet(ctx: StepContext, host: string, timeoutMs: number) {
  return async (ftp: FTPContext): Promise<FTPResponse> => {
    let res: FTPResponse;
    let port: number | null;
    try {
      res = await ftp.request('EPSV');
      port = epsvPort(res.message);
    } catch (error) {
      if (!(error instanceof FTPError)) throw error;
      res = await ftp.request('PASV');
      port = pasvPort(res.message);
    }
    if (port === null || port < 1 || port > 65535) throw new Error(`cannot parse the passive-mode reply: ${res.message}`);
    const socket = await ctx.net.connect({ host, port, timeoutMs });
    // TLS over the checked socket, resuming the control connection's session (vsftpd and
    // others refuse a data connection that does not). Not awaited: some servers start the
    // handshake only after the transfer command, and basic-ftp waits for it where needed.
    ftp.dataSocket = ftp.hasTLS
      ? tlsUpgrade({ ...(ftp.tlsOptions as ConnectionOptions), socket, session: (ftp.socket as TLSSocket).getSession() } as ConnectionOptions)
      : socket;
    return res;
  };
}

async function tlsOptionsOf(p: ConnectionParams, ctx: StepContext): Promise<{ ca?: string; rejectUnauthorized?: boolean }> {
  const ca = p.ca_path !== undefined ? await ctx.fs.readText(p.ca_path, { maxBytes: 1024 * 1024 }) : p.ca;
  return { ...(ca === undefined ? {} : { ca }), ...(p.reject_unauthorized === undefined ? {} : { rejectUnauthorized: p.reject_unauthorized }) };
}

function passwordOf(p: ConnectionParams, ctx: StepContext): string {
  if (p.password_env !== undefined) {
    const value = ctx.env.get(p.password_env);
    if (value === undefined) {
      throw new PluginError('E_FTP_CREDENTIAL_MISSING', `environment variable ${p.password_env} (named by password_env) is unset`, {
        details: { name: p.password_env },
        nonRetryable: true,
      });
    }
    return value;
  }
  if (p.password !== undefined) ctx.log.warn('ftp: a literal `password` is redacted but lives in the mission file; prefer password_env');
  return p.password ?? 'anonymous@';
}

/** Reads the credentials and TLS material (before any connection), then runs `work` in a logged-in session. */
export async function withSession<T>(p: ConnectionParams, ctx: StepContext, work: (client: Client, step: (phase: string) => void) => Promise<T>): Promise<T> {
  const at = { host: p.host, port: portOf(p) };
  const timeoutMs = p.timeout_ms ?? DEFAULT_TIMEOUT_MS;
  const password = passwordOf(p, ctx);
  const tls = p.secure === undefined || p.secure === false ? undefined : await tlsOptionsOf(p, ctx);
  const client = new Client(timeoutMs);
  let phase = 'connect';
  const onAbort = () => client.close();
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  try {
    const control = await ctx.net.connect({ ...at, timeoutMs, ...(p.secure === 'implicit' ? { tls: tls ?? {} } : {}) });
    client.ftp.socket = control;
    if (tls && p.secure === 'implicit') client.ftp.tlsOptions = { ...tls, host: p.host };
    // What Client.connect does after opening its own socket: wait for the 220 greeting.
    phase = 'greeting';
    await client.ftp.handle(undefined, (res, task) => {
      if (res instanceof Error) task.reject(res);
      else if (res.code >= 200 && res.code < 300) task.resolve(res);
      else task.reject(new FTPError(res));
    });
    if (tls && p.secure === true) {
      phase = 'tls';
      // Upgrades the ctx.net socket in place (no new connection); `host` names the certificate to verify.
      await client.useTLS({ ...tls, host: p.host });
    }
    phase = 'login';
    await client.sendIgnoringError('OPTS UTF8 ON');
    await client.login(p.username ?? 'anonymous', password);
    phase = 'settings';
    await client.useDefaultSettings();
    client.prepareTransfer = passiveThroughNet(ctx, p.host, timeoutMs);
    return await work(client, (next) => (phase = next));
  } catch (error) {
    if (ctx.signal.aborted) {
      throw isRustchainError(ctx.signal.reason)
        ? ctx.signal.reason
        : new RustchainError('E_STEP_CANCELLED', 'the FTP transfer was cancelled; its connections were closed', { cause: error });
    }
    throw ftpFailure(error, at, phase);
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
    client.close();
  }
}
