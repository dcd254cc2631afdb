// Shared by ftp_upload and ftp_download (plugins never import each other): this file is kept
// byte-identical in plugins/ftp-upload/src and plugins/ftp-download/src, which a test checks.
import { Type, type ResourceClaim } from '@rustchain/core/plugin';

/**
 * The cheap half of the FTP plugins: parameters and static claims, what the registry reads when
 * it loads a plugin. The session (basic-ftp) is in ftp-session.ts, which `run` imports
 * dynamically, so loading the plugin does not load basic-ftp.
 */

/** No CR, LF or NUL: a value sent on the control connection cannot smuggle a second FTP command. */
export const ONE_LINE = '^[^\\r\\n\\u0000]*$';

/** Parameters shared by ftp_upload and ftp_download. */
export const connectionParams = {
  host: Type.String({ minLength: 1, description: 'FTP server host name or IP' }),
  port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535, description: 'default 21 (990 for secure: implicit)' })),
  username: Type.Optional(Type.String({ pattern: ONE_LINE, description: 'default "anonymous"' })),
  password: Type.Optional(Type.String({ secret: true, pattern: ONE_LINE, description: 'secret (redacted); prefer password_env' })),
  password_env: Type.Optional(Type.String({ minLength: 1, description: 'name of an environment variable holding the password (wins over password)' })),
  secure: Type.Optional(
    Type.Union([Type.Boolean(), Type.Literal('implicit')], { description: 'false (plain FTP, default), true (explicit FTPS: AUTH TLS), "implicit" (TLS from the first byte)' }),
  ),
  ca: Type.Optional(Type.String({ minLength: 1, description: 'PEM certificate(s) to trust for FTPS (e.g. a self-signed server)' })),
  ca_path: Type.Optional(Type.String({ minLength: 1, description: 'PEM file to trust for FTPS, read through the fs policy' })),
  reject_unauthorized: Type.Optional(Type.Boolean({ description: 'verify the FTPS certificate (default true); false disables verification' })),
  timeout_ms: Type.Optional(Type.Integer({ minimum: 1, description: 'connect timeout and inactivity timeout of each FTP operation (default 30000)' })),
};

/** The connection parameters as the plugins receive them. */
export interface ConnectionParams {
  host: string;
  port?: number;
  username?: string;
  password?: string;
  password_env?: string;
  secure?: boolean | 'implicit';
  ca?: string;
  ca_path?: string;
  reject_unauthorized?: boolean;
  timeout_ms?: number;
}

/** The server port: `port`, else 990 for implicit FTPS, else 21. */
export function portOf(p: ConnectionParams): number {
  return p.port ?? (p.secure === 'implicit' ? 990 : 21);
}

/** Static claims of the connection: the server URL, the CA file, the password variable. */
export function connectionClaims(p: ConnectionParams): ResourceClaim[] {
  const host = p.host.includes(':') && !p.host.startsWith('[') ? `[${p.host}]` : p.host;
  const scheme = p.secure === undefined || p.secure === false ? 'ftp' : 'ftps';
  const claims: ResourceClaim[] = [{ kind: 'net', url: `${scheme}://${host}:${portOf(p)}`, pointer: '/host' }];
  if (p.ca_path !== undefined) claims.push({ kind: 'read', path: p.ca_path, pointer: '/ca_path' });
  if (p.password_env !== undefined) claims.push({ kind: 'env', name: p.password_env, pointer: '/password_env' });
  return claims;
}
