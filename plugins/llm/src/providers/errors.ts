import { isRustchainError, PluginError } from '@rustchain/core/plugin';
import type { Transport } from './transport.ts';

/**
 * One place that turns what an SDK call threw into a coded error. Policy and network errors
 * from ctx.fetch (E_POLICY_HOST_DENIED, E_HTTP_TIMEOUT, E_STEP_CANCELLED...) are reported as
 * they are, not as the SDK's connection-error wrapper; an HTTP error answer becomes
 * E_LLM_AUTH (401/403), E_LLM_RATE_LIMITED (429, after the retries) or E_LLM_API_ERROR, with
 * the provider's own error type and message in `details`.
 */

/** The error body fields both providers use: OpenAI `{ error: { message, type, code } }`, Anthropic `{ type: 'error', error: { type, message } }`. */
function providerError(body: unknown): { type?: string; message?: string; code?: string } {
  if (typeof body !== 'object' || body === null) return {};
  const inner = (body as { error?: unknown }).error;
  const src = (typeof inner === 'object' && inner !== null ? inner : body) as Record<string, unknown>;
  const pick = (k: string): string | undefined => (typeof src[k] === 'string' ? (src[k] as string) : undefined);
  const out: { type?: string; message?: string; code?: string } = {};
  const type = pick('type');
  const message = pick('message');
  const code = pick('code');
  if (type !== undefined) out.type = type;
  if (message !== undefined) out.message = message;
  if (code !== undefined) out.code = code;
  return out;
}

function codedCause(err: unknown): unknown {
  for (let e = err, depth = 0; e !== undefined && e !== null && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (isRustchainError(e)) return e;
  }
  return undefined;
}

/** The coded error for an SDK failure of a call to `provider`; a cancelled step reports its abort reason (E_STEP_CANCELLED / E_STEP_TIMEOUT). */
export function toLlmError(err: unknown, provider: string, transport: Transport, signal: AbortSignal): unknown {
  if (signal.aborted) {
    const reason: unknown = signal.reason;
    return isRustchainError(reason) ? reason : new PluginError('E_STEP_CANCELLED', `the call to ${provider} was cancelled`, { details: { provider }, cause: reason });
  }
  if (isRustchainError(err)) return err;
  const status = (err as { status?: unknown }).status;
  if (typeof status === 'number') {
    const p = providerError((err as { error?: unknown }).error);
    const details = { provider, status, ...(p.type === undefined ? {} : { type: p.type }), ...(p.code === undefined ? {} : { providerCode: p.code }), attempts: transport.attempts };
    const what = p.message ?? `HTTP ${status}`;
    if (status === 401 || status === 403) return new PluginError('E_LLM_AUTH', `${provider} refused the credentials (${status}): ${what}`, { details, nonRetryable: true });
    if (status === 429) return new PluginError('E_LLM_RATE_LIMITED', `${provider} is rate limiting (429 after ${transport.attempts} attempts): ${what}`, { details });
    return new PluginError('E_LLM_API_ERROR', `${provider} answered ${status}: ${what}`, { details, nonRetryable: status < 500 });
  }
  const coded = codedCause(err) ?? (transport.lastError !== undefined ? codedCause(transport.lastError) : undefined);
  if (coded !== undefined) return coded;
  return new PluginError('E_LLM_BAD_RESPONSE', `${provider}: ${err instanceof Error ? err.message : String(err)}`, { details: { provider }, cause: err });
}
