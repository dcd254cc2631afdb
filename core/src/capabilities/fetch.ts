import { isRustchainError, type RustchainError } from '../errors.ts';
import { createHttpClient, type Resolver } from '../net/client.ts';
import type { FetchCapability } from '../plugin/sdk.ts';
import { capOutput } from '../policy/limits.ts';
import type { Policy } from '../policy/types.ts';

/**
 * `ctx.fetch`: a thin binding of the SSRF-safe client in `net/` to one step's policy and
 * abort signal. Scheme and host allowlist, private/loopback/metadata blocking after DNS
 * resolution (resolved once and pinned), per-hop redirect re-checks, credential stripping on
 * a host change, size cap and timeout all live in `net/client.ts`.
 */

/** Default request timeout: 30 s. */
const DEFAULT_FETCH_TIMEOUT_MS = 30_000;
/** Default response body cap: 10 MiB (lowered by policy.limits.maxOutputBytes). */
const DEFAULT_FETCH_MAX_BYTES = 10 * 1024 * 1024;

/** Test and audit seams of the fetch capability. */
export interface FetchCapabilityOptions {
  /** DNS resolver (tests stub it for rebinding cases). */
  resolver?: Resolver;
  /** Called with every policy refusal before it is thrown (the ledger records it). */
  onDenied?: (error: RustchainError) => void;
}

/** Builds the fetch capability for one step. */
export function createFetchCapability(policy: Policy, signal: AbortSignal, options: FetchCapabilityOptions = {}): FetchCapability {
  const client = createHttpClient({
    rules: policy.net,
    timeoutMs: DEFAULT_FETCH_TIMEOUT_MS,
    ...(options.resolver ? { resolver: options.resolver } : {}),
  });
  const denied = (err: unknown): never => {
    if (isRustchainError(err) && err.code.startsWith('E_POLICY_')) options.onDenied?.(err);
    throw err;
  };
  return {
    async request(url, init = {}) {
      try {
        return await client.request(url, { ...init, maxBytes: capOutput(init.maxBytes, DEFAULT_FETCH_MAX_BYTES, policy.limits), signal });
      } catch (err) {
        return denied(err);
      }
    },
    async stream(url, init = {}) {
      try {
        return await client.stream(url, { ...init, maxBytes: capOutput(init.maxBytes, DEFAULT_FETCH_MAX_BYTES, policy.limits), signal });
      } catch (err) {
        return denied(err);
      }
    },
  };
}
