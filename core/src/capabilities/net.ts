import type net from 'node:net';
import { RustchainError, isRustchainError } from '../errors.ts';
import { classifyAddress } from '../net/address.ts';
import { checkHost, checkResolvedAddress } from '../net/allowlist.ts';
import { systemResolver, type ResolvedAddress, type Resolver } from '../net/client.ts';
import { nodeNet, nodeTls } from '../net/node-net.ts';
import { allowNetValue, canonicalHost, checkClaimUrl, refusalError } from '../net/url.ts';
import type { NetCapability } from '../plugin/sdk.ts';
import type { Policy } from '../policy/types.ts';

/**
 * `ctx.net`: raw TCP/TLS sockets under the same rules as `ctx.fetch`. The host is
 * canonicalised (so `127.1` is 127.0.0.1) and checked against the allowlist with its port;
 * a name is resolved ONCE, every address is checked (reserved ranges only when named
 * exactly), and the socket connects to the checked address, so a rebinding DNS server gets
 * no second answer. The socket is destroyed when the step's signal aborts.
 */

/** Default deadline for DNS + TCP connect + TLS handshake: 30 s. */
const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;

/** Static refusal for a net claim URL (scheme, host, port), or null when allowed. */
export function checkNetClaim(policy: Policy, url: string, schemes?: readonly string[]): RustchainError | null {
  try {
    checkClaimUrl(policy.net, url, schemes);
    return null;
  } catch (err) {
    if (isRustchainError(err)) return err;
    throw err;
  }
}

/** Where a connection actually went (after checks); for audit and tests. */
interface NetConnectInfo {
  host: string;
  address: string;
  port: number;
  tls: boolean;
}

/** Test and audit seams of the net capability. */
export interface NetCapabilityOptions {
  /** DNS resolver (tests stub it for rebinding cases). */
  resolver?: Resolver;
  /** Called with every policy refusal before it is thrown. */
  onDenied?: (error: RustchainError) => void;
  /** Called with the checked, pinned address just before connecting. */
  onConnect?: (info: NetConnectInfo) => void;
}

type ConnectTarget = Parameters<NetCapability['connect']>[0];

function invalid(message: string, target: unknown): RustchainError {
  return new RustchainError('E_PARAMS_INVALID', message, { details: { target }, nonRetryable: true });
}

/** Builds the net capability for one step. */
export function createNetCapability(policy: Policy, signal: AbortSignal, options: NetCapabilityOptions = {}): NetCapability {
  const resolver = options.resolver ?? systemResolver;

  /** Host and port checks, then DNS with every address checked; returns the pinned address. */
  async function decide(host: string, port: number, where: string): Promise<ResolvedAddress> {
    const refusal = checkHost(policy.net, host, port);
    if (refusal) throw refusalError(refusal, where);
    const literal = classifyAddress(host);
    if (literal) return { address: literal.address, family: literal.family };
    let addresses: ResolvedAddress[];
    try {
      addresses = await resolver(host);
    } catch (err) {
      throw new RustchainError('E_NET_CONNECT_FAILED', `${host} did not resolve: ${(err as Error).message}`, {
        details: { host, port, errno: (err as NodeJS.ErrnoException).code },
        cause: err,
      });
    }
    if (addresses.length === 0) throw new RustchainError('E_NET_CONNECT_FAILED', `${host} did not resolve`, { details: { host, port } });
    for (const a of addresses) {
      const denied = checkResolvedAddress(policy.net, host, a.address, port);
      if (denied) throw refusalError(denied, where);
    }
    return addresses[0] as ResolvedAddress;
  }

  async function connect(target: ConnectTarget): Promise<net.Socket> {
    const rawHost: unknown = target?.host;
    const host = typeof rawHost === 'string' ? canonicalHost(rawHost) : null;
    if (host === null) throw invalid(`not a host name or IP address: ${JSON.stringify(rawHost)}`, target);
    const port = target.port;
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw invalid(`not a TCP port: ${JSON.stringify(port)}`, target);
    const timeoutMs = target.timeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    if (!(timeoutMs > 0)) throw invalid(`timeoutMs must be > 0, got ${timeoutMs}`, target);
    const useTls = target.tls !== undefined && target.tls !== false;
    const where = `${useTls ? 'tls' : 'tcp'}://${allowNetValue(host, port)}`;
    const cancelled = () => new RustchainError('E_STEP_CANCELLED', `connection to ${where} was cancelled`, { details: { host, port } });
    if (signal.aborted) throw cancelled();

    return new Promise<net.Socket>((resolve, reject) => {
      let socket: net.Socket | undefined;
      let settled = false;
      let onSocketError = (_err: NodeJS.ErrnoException): void => {};
      const finish = (err: RustchainError | null) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err) {
          signal.removeEventListener('abort', onAbort);
          socket?.destroy();
          if (err.code.startsWith('E_POLICY_')) options.onDenied?.(err);
          reject(err);
          return;
        }
        // The abort listener stays for the socket's life: a cancelled step must not leak it.
        const s = socket as net.Socket;
        // From here on errors belong to the caller (an unhandled one must not be swallowed).
        s.off('error', onSocketError);
        s.once('close', () => signal.removeEventListener('abort', onAbort));
        resolve(s);
      };
      const onAbort = () => {
        socket?.destroy();
        finish(cancelled());
      };
      const timer = setTimeout(() => {
        finish(new RustchainError('E_NET_TIMEOUT', `connection to ${where} was not established within ${timeoutMs} ms`, { details: { host, port, timeoutMs } }));
      }, timeoutMs);
      signal.addEventListener('abort', onAbort, { once: true });

      decide(host, port, where).then(
        (pinned) => {
          if (settled) return;
          options.onConnect?.({ host, address: pinned.address, port, tls: useTls });
          const tlsOptions = typeof target.tls === 'object' ? target.tls : {};
          // Certificates are verified against the name the caller asked for, not the pinned IP.
          const servername = tlsOptions.servername ?? (classifyAddress(host) ? undefined : host);
          socket = useTls
            ? nodeTls().connect({
                host: pinned.address,
                port,
                ...(servername === undefined ? {} : { servername }),
                ...(tlsOptions.ca === undefined ? {} : { ca: tlsOptions.ca }),
                ...(tlsOptions.rejectUnauthorized === undefined ? {} : { rejectUnauthorized: tlsOptions.rejectUnauthorized }),
              })
            : nodeNet().connect({ host: pinned.address, port });
          socket.once(useTls ? 'secureConnect' : 'connect', () => finish(null));
          onSocketError = (err: NodeJS.ErrnoException) => {
            finish(
              new RustchainError('E_NET_CONNECT_FAILED', `connection to ${where} (${pinned.address}) failed: ${err.message}`, {
                details: { host, address: pinned.address, port, errno: err.code },
                cause: err,
              }),
            );
          };
          socket.on('error', onSocketError);
        },
        (err: unknown) => finish(isRustchainError(err) ? err : new RustchainError('E_NET_CONNECT_FAILED', String(err), { details: { host, port }, cause: err })),
      );
    });
  }

  return { connect };
}
