import { PluginError, RustchainError, isRustchainError } from '@rustchain/core/plugin';
import { knownHostsName, type SeenHostKey } from './host-key.ts';

/** One builder per error code of `ssh_execute` (the README lists them). */

/** Where the step connects, for details. */
export interface Endpoint {
  host: string;
  port: number;
}

/** E_SSH_HOST_KEY_UNKNOWN: nothing pins this host; the message carries what to pin. */
export function hostKeyUnknown(at: Endpoint, seen: SeenHostKey, source: 'none' | 'known_hosts'): PluginError {
  const where = source === 'none' ? 'no host_key or known_hosts_path is set' : 'the known_hosts file has no key for this host';
  return new PluginError(
    'E_SSH_HOST_KEY_UNKNOWN',
    `${where}: the server ${at.host}:${at.port} presented ${seen.type} key ${seen.fingerprint}. ` +
      `If that is the server's real key (check it out of band: \`ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub\` on the server), ` +
      `pin it with \`host_key: "${seen.fingerprint}"\``,
    {
      details: { ...at, fingerprint: seen.fingerprint, key_type: seen.type, host_key_line: seen.line, known_hosts_line: `${knownHostsName(at.host, at.port)} ${seen.line}` },
      nonRetryable: true,
    },
  );
}

/** E_SSH_HOST_KEY_MISMATCH: the server's key is not the pinned one (possible man in the middle). */
export function hostKeyMismatch(at: Endpoint, seen: SeenHostKey, expected: readonly string[]): PluginError {
  return new PluginError(
    'E_SSH_HOST_KEY_MISMATCH',
    `the server ${at.host}:${at.port} presented ${seen.type} key ${seen.fingerprint}, which is not the pinned key ` +
      `(${expected.join(', ')}): someone may be intercepting the connection, or the server's key changed. Nothing was sent.`,
    { details: { ...at, fingerprint: seen.fingerprint, key_type: seen.type, expected }, nonRetryable: true },
  );
}

/** E_SSH_HOST_KEY_REVOKED: the known_hosts file marks the presented key `@revoked`. */
export function hostKeyRevoked(at: Endpoint, seen: SeenHostKey): PluginError {
  return new PluginError('E_SSH_HOST_KEY_REVOKED', `the server ${at.host}:${at.port} presented ${seen.fingerprint}, which known_hosts marks @revoked`, {
    details: { ...at, fingerprint: seen.fingerprint, key_type: seen.type },
    nonRetryable: true,
  });
}

/** E_SSH_HOST_KEY_INVALID: a `host_key` entry is neither a fingerprint nor a public key. */
export function hostKeyInvalid(entry: string): PluginError {
  return new PluginError(
    'E_SSH_HOST_KEY_INVALID',
    `host_key entry ${JSON.stringify(entry.slice(0, 80))} is not a \`SHA256:...\` fingerprint, a \`<type> <base64>\` public key or a known_hosts line`,
    { details: { entry: entry.slice(0, 200) }, nonRetryable: true },
  );
}

/** E_SSH_LITERAL_SECRET: a password or passphrase written into the mission itself. */
export function literalSecret(param: 'password' | 'passphrase'): PluginError {
  const use = `${param}_env`;
  return new PluginError(
    'E_SSH_LITERAL_SECRET',
    `\`${param}\` is refused: a secret written in the mission ends up in files and history. Put it in an environment variable, ` +
      `name it with \`${use}\` and allow it (--allow-env)`,
    { details: { param, use }, nonRetryable: true },
  );
}

/** E_SSH_NO_CREDENTIALS: neither a private key nor a password source is given. */
export function noCredentials(): PluginError {
  return new PluginError('E_SSH_NO_CREDENTIALS', 'no credentials: set private_key_path, private_key_env or password_env', { nonRetryable: true });
}

/** E_SSH_CREDENTIAL_MISSING: the environment variable named for a credential is unset or empty. */
export function credentialMissing(param: string, name: string): PluginError {
  return new PluginError('E_SSH_CREDENTIAL_MISSING', `environment variable ${name} (named by \`${param}\`) is unset or empty`, {
    details: { param, name },
    nonRetryable: true,
  });
}

/** E_SSH_KEY_INVALID: the private key cannot be parsed or decrypted. */
export function keyInvalid(reason: string, encrypted: boolean): PluginError {
  const hint = encrypted ? ' (the key is encrypted: is passphrase_env set to the right variable?)' : '';
  return new PluginError('E_SSH_KEY_INVALID', `the private key cannot be used: ${reason}${hint}`, { details: { reason, encrypted }, nonRetryable: true });
}

/** E_SSH_AUTH_FAILED: the server refused every offered credential. */
export function authFailed(at: Endpoint, username: string, methods: readonly string[]): PluginError {
  return new PluginError('E_SSH_AUTH_FAILED', `${username}@${at.host}:${at.port} refused authentication (tried: ${methods.join(', ')})`, {
    details: { ...at, username, methods },
    nonRetryable: true,
  });
}

/** E_SSH_TIMEOUT: the connection, handshake or command exceeded timeout_ms. */
export function sshTimeout(at: Endpoint, timeoutMs: number, phase: string): PluginError {
  return new PluginError('E_SSH_TIMEOUT', `ssh to ${at.host}:${at.port} timed out during ${phase} (${Math.round(timeoutMs)} ms left of timeout_ms)`, {
    details: { ...at, timeout_ms: Math.round(timeoutMs), phase },
  });
}

/** E_SSH_CONNECTION_FAILED: the SSH protocol failed (handshake, lost connection, channel refused). */
export function connectionFailed(at: Endpoint, error: unknown): RustchainError {
  if (isRustchainError(error)) return error;
  const level = (error as { level?: string } | undefined)?.level ?? 'protocol';
  const message = error instanceof Error ? error.message : String(error);
  return new PluginError('E_SSH_CONNECTION_FAILED', `ssh to ${at.host}:${at.port} failed (${level}): ${message}`, {
    details: { ...at, level, reason: message },
    cause: error,
  });
}

/** E_SSH_EXIT_NONZERO: the remote command did not exit 0; the outputs ride in details. */
export function exitNonZero(at: Endpoint, outputs: { exit_code: number | null; signal: string | null }): PluginError {
  const status = outputs.signal ? `was killed by signal ${outputs.signal}` : outputs.exit_code === null ? 'reported no exit status' : `exited with status ${outputs.exit_code}`;
  return new PluginError('E_SSH_EXIT_NONZERO', `the remote command on ${at.host} ${status}`, {
    details: { ...at, outputs, exit_code: outputs.exit_code, signal: outputs.signal },
    nonRetryable: true,
  });
}

/** E_OUTPUT_TOO_LARGE: stdout or stderr passed max_output_bytes (the channel is closed). */
export function outputTooLarge(stream: 'stdout' | 'stderr', maxBytes: number): RustchainError {
  return new RustchainError('E_OUTPUT_TOO_LARGE', `the remote command wrote more than ${maxBytes} bytes to ${stream}`, {
    details: { maxBytes, stream },
    nonRetryable: true,
  });
}

/** E_STEP_CANCELLED: the step's signal aborted; the connection was closed. */
export function cancelled(reason: unknown): RustchainError {
  if (isRustchainError(reason)) return reason;
  return new RustchainError('E_STEP_CANCELLED', 'the ssh step was cancelled; its connection was closed', { cause: reason });
}
