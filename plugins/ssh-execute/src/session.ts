import type { Socket } from 'node:net';
import ssh2 from 'ssh2';
import type { ConnectConfig } from 'ssh2';
import type { RustchainError } from '@rustchain/core/plugin';
import * as errors from './errors.ts';
import { describeKey, hostKeyAlgorithms, pinMatches, type HostKeyPin } from './host-key.ts';

/**
 * One SSH session over a socket the step's `ctx.net` opened: verify the host key against
 * the pins, authenticate, run one command, collect its output under a byte cap.
 */

/** What the session needs; `socket` is already connected (policy-checked) by ctx.net. */
export interface SessionOptions {
  at: errors.Endpoint;
  socket: Socket;
  username: string;
  command: string;
  auth: { privateKey?: string; passphrase?: string; password?: string };
  pins: readonly HostKeyPin[];
  revoked: readonly HostKeyPin[];
  /** Where the pins came from; `none` makes any key E_SSH_HOST_KEY_UNKNOWN. */
  pinSource: 'host_key' | 'known_hosts' | 'none';
  maxOutputBytes: number;
  /** Deadline of the whole session in ms, from now. */
  timeoutMs: number | undefined;
  /** Handshake + authentication deadline in ms. */
  readyTimeoutMs: number;
  signal: AbortSignal;
}

/** What the remote command did. */
export interface RemoteResult {
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

/** Parses the private key up front, so a bad key or passphrase fails before connecting. */
export function checkKey(auth: SessionOptions['auth']): void {
  if (auth.privateKey === undefined) return;
  const parsed = ssh2.utils.parseKey(auth.privateKey, auth.passphrase);
  if (parsed instanceof Error) throw errors.keyInvalid(parsed.message, /encrypt|passphrase/i.test(parsed.message) || /ENCRYPTED/.test(auth.privateKey));
}

/** Runs the command; rejects with the plugin's codes (host key, auth, timeout, size, cancel). */
export function runRemote(o: SessionOptions): Promise<RemoteResult> {
  return new Promise<RemoteResult>((resolve, reject) => {
    const client = new ssh2.Client();
    let phase = 'handshake';
    let verdict: RustchainError | undefined;
    let settled = false;
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const size = { stdout: 0, stderr: 0 };
    let exitCode: number | null = null;
    let exitSignal: string | null = null;

    const finish = (error: RustchainError | undefined): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      o.signal.removeEventListener('abort', onAbort);
      client.end();
      o.socket.destroy();
      if (error) reject(error);
      else resolve({ exitCode, signal: exitSignal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    };
    const onAbort = (): void => finish(errors.cancelled(o.signal.reason));
    const timer = o.timeoutMs === undefined ? undefined : setTimeout(() => finish(errors.sshTimeout(o.at, o.timeoutMs ?? 0, phase)), o.timeoutMs);
    if (o.signal.aborted) return onAbort();
    o.signal.addEventListener('abort', onAbort, { once: true });

    const verify = (key: Buffer): boolean => {
      const seen = describeKey(key);
      if (o.revoked.some((p) => pinMatches(p, key))) verdict = errors.hostKeyRevoked(o.at, seen);
      else if (o.pins.length === 0) verdict = errors.hostKeyUnknown(o.at, seen, o.pinSource === 'none' ? 'none' : 'known_hosts');
      else if (!o.pins.some((p) => pinMatches(p, key))) {
        verdict = errors.hostKeyMismatch(o.at, seen, o.pins.map((p) => (p.kind === 'fingerprint' ? p.fingerprint : describeKey(p.blob).fingerprint)));
      }
      if (verdict === undefined) phase = 'authentication';
      return verdict === undefined;
    };

    const collect = (chunks: Buffer[], stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
      size[stream] += chunk.length;
      if (size[stream] > o.maxOutputBytes) finish(errors.outputTooLarge(stream, o.maxOutputBytes));
      else chunks.push(chunk);
    };

    client.on('ready', () => {
      phase = 'command';
      client.exec(o.command, (error, channel) => {
        if (error) return finish(errors.connectionFailed(o.at, error));
        channel.on('data', collect(out, 'stdout'));
        channel.stderr.on('data', collect(err, 'stderr'));
        channel.on('exit', (code: number | null, signal?: string) => {
          exitCode = typeof code === 'number' ? code : null;
          exitSignal = typeof signal === 'string' ? signal : null;
        });
        channel.on('close', () => finish(undefined));
      });
    });
    client.on('error', (error: Error & { level?: string }) => {
      if (verdict) return finish(verdict);
      if (error.level === 'client-authentication') return finish(errors.authFailed(o.at, o.username, methodsOf(o.auth)));
      if (error.level === 'client-timeout') return finish(errors.sshTimeout(o.at, o.readyTimeoutMs, phase));
      finish(errors.connectionFailed(o.at, error));
    });
    client.on('close', () => finish(verdict ?? errors.connectionFailed(o.at, new Error(`connection closed during ${phase}`))));

    const algorithms = hostKeyAlgorithms(o.pins);
    const config: ConnectConfig = {
      sock: o.socket,
      username: o.username,
      hostVerifier: verify,
      readyTimeout: o.readyTimeoutMs,
      // Keyboard-interactive and agent forwarding stay off: credentials are only the ones named.
      tryKeyboard: false,
      ...(o.auth.privateKey === undefined ? {} : { privateKey: o.auth.privateKey }),
      ...(o.auth.passphrase === undefined ? {} : { passphrase: o.auth.passphrase }),
      ...(o.auth.password === undefined ? {} : { password: o.auth.password }),
      ...(algorithms ? { algorithms: { serverHostKey: algorithms as NonNullable<ConnectConfig['algorithms']>['serverHostKey'] & string[] } } : {}),
    };
    try {
      client.connect(config);
    } catch (error) {
      finish(errors.connectionFailed(o.at, error));
    }
  });
}

function methodsOf(auth: SessionOptions['auth']): string[] {
  return [...(auth.privateKey === undefined ? [] : ['publickey']), ...(auth.password === undefined ? [] : ['password'])];
}
